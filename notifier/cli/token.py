"""`notifier mint-token` reads only what signing a token needs: no database, no broker."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from notifier.cli import devrun
from notifier.settings import Settings, config_error


class TokenSettings(BaseSettings):
    """The variables of `Settings` that sign a token, validated the same way."""

    model_config = Settings.model_config
    jwt_hs256_secret: SecretStr = Field(min_length=32)
    jwt_issuer: str = "e-school"
    jwt_audience: str = "school-notifier"


def load_token_settings() -> TokenSettings:
    """The environment, then a `make run` running in this folder."""
    return devrun.load_beside(_validate, TokenSettings.model_fields)


def _validate(**overrides: str) -> TokenSettings:
    try:
        return TokenSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise config_error(exc) from exc
