"""Configuration, only from environment variables, validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(SystemExit):
    """Start-up refused: the message names every bad variable."""


class Settings(BaseSettings):
    """Every variable is documented in README.md ("Configuration")."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = Field(description="PostgreSQL DSN, postgresql://user:pass@host/db")
    kafka_bootstrap_servers: str = Field(description="host:port[,host:port]")
    kafka_group_id: str = "school-notifier"
    # Prepended to every topic name: separate environments (or tests) on one cluster.
    kafka_topic_prefix: str = ""
    # Also bounds how long a new consumer waits for its first partition assignment.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000, le=300_000)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # Bearer token for /internal/v1 (demo, operations). Unset: the internal API is disabled.
    internal_api_token: SecretStr | None = Field(default=None, min_length=24)
    sms_provider: Literal["dev"] = "dev"
    sms_dev_outbox: Path = Path(".devdata/sms-outbox.jsonl")
    sms_max_parts: int = Field(default=2, ge=1, le=10)
    sms_sender: str = Field(default="eMektep", max_length=11)
    dispatch_batch_size: int = Field(default=50, ge=1, le=1000)
    dispatch_max_attempts: int = Field(default=5, ge=1, le=50)
    dispatch_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    hold_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Public base URL of this service (payment return URLs, one-click unsubscribe links).
    public_base_url: str = "http://127.0.0.1:8080"

    # --- Identity: bearer tokens (JWT) issued by the core e-school system ---------------
    jwt_issuer: str = "e-school"
    jwt_audience: str = "school-notifier"
    jwt_hs256_secret: SecretStr | None = Field(default=None, min_length=32)
    jwt_public_key_file: Path | None = None  # PEM, for RS256 / ES256
    jwt_jwks_file: Path | None = None  # a JWKS document on disk, keys chosen by "kid"
    # Signs one-click unsubscribe links and similar tokens of our own.
    link_signing_secret: SecretStr | None = Field(default=None, min_length=32)


def load_settings(**overrides: object) -> Settings:
    """Read the environment; on a bad or missing variable exit with a message naming it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError("invalid configuration:\n" + "\n".join(lines)) from exc
