"""Configuration, only from environment variables, validated at start-up."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(SystemExit):
    """Start-up refused: the message names every bad variable."""


class Settings(BaseSettings):
    """Every variable is documented in README.md ("Configuration")."""

    # An empty variable is unset (compose passes `VAR: ${VAR:-}` as ""): optional stays optional.
    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", env_ignore_empty=True
    )

    database_url: str = Field(description="PostgreSQL DSN, postgresql://user:pass@host/db")
    kafka_bootstrap_servers: str = Field(description="host:port[,host:port]")
    kafka_group_id: str = "school-notifier"
    # Prepended to every topic name: separate environments (or tests) on one cluster.
    kafka_topic_prefix: str = ""
    # Also bounds how long a new consumer waits for its first partition assignment.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000, le=300_000)
    kafka_fetch_max_wait_ms: int = Field(default=100, ge=10, le=5_000)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # Bearer token for /internal/v1 (demo, operations). Unset: the internal API is disabled.
    internal_api_token: SecretStr | None = Field(default=None, min_length=24)
    sms_dev_outbox: Path = Path(".devdata/sms-outbox.jsonl")
    # Fault injection for the dev provider: the share of sends whose acknowledgement is
    # "lost" after the message was accepted (exercises the in-doubt path). 0 in real use.
    sms_dev_lose_ack_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    # Fault injection too: false makes the dev provider answer no status lookup, as SMPP and
    # Mobizon cannot be asked (an SMS in doubt is then settled by IN_DOUBT_POLICY alone).
    sms_dev_lookups: bool = True
    sms_max_parts: int = Field(default=2, ge=1, le=10)
    sms_sender: str = Field(default="eMektep", max_length=11)
    # A bound, not a size: a loop claims what is due, up to this. Below ~500 the dispatcher's
    # fixed cost per batch (claim, settle) caps it near 1,300 SMS/s on 2 cores, and a burst
    # leaves a standing queue (seconds of latency); see README "Benchmarks".
    dispatch_batch_size: int = Field(default=500, ge=1, le=5000)
    dispatch_max_attempts: int = Field(default=5, ge=1, le=50)
    dispatch_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Sends in flight at once, and how long one may take before it counts as in doubt.
    dispatch_max_in_flight: int = Field(default=100, ge=1, le=5000)
    dispatch_send_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # A row being sent is leased to one instance; another takes it over (in doubt) only
    # after the lease ran out. Renewed while the batch is in flight.
    dispatch_lease_seconds: int = Field(default=30, ge=3, le=3600)
    # An SMS in doubt whose provider cannot be asked: "resend" (the parent may get it twice,
    # charged once) or "fail" (released, not sent again: the parent may miss it).
    in_doubt_policy: Literal["resend", "fail"] = "resend"
    # This instance's name for leases. Unset: unique per process. Set it to a stable name per
    # replica (e.g. the pod name) so a restarted replica takes its own rows back at once
    # instead of waiting for their leases; never give two live replicas the same name.
    instance_id: str | None = Field(default=None, min_length=1, max_length=200)
    # How long an event naming a pupil or class not in the roster yet waits for it.
    roster_wait_seconds: int = Field(default=300, ge=0, le=7 * 24 * 3600)
    # Larger dead-letter values are truncated (original size and hash in the headers).
    dlq_max_value_bytes: int = Field(default=900_000, ge=1_000, le=100_000_000)
    # /readyz turns red when a due SMS has waited longer than this.
    ready_max_queue_age_seconds: int = Field(default=300, ge=10)
    hold_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)
    # README: "Retention and archiving". Outbox months older than this may be archived
    # (at least two: this month's and last month's SMS may still be settling).
    outbox_retention_months: int = Field(default=13, ge=2, le=120)
    # How long the ledger and the outbox archives (the charges' evidence) are kept.
    ledger_retention_years: int = Field(default=5, ge=1, le=100)
    # When paid SMS may reach parents, in the school's local time, for schools that set no
    # window of their own (internal API); an SMS due outside it waits in the queue (its hold
    # lives through the wait). "00:00-00:00" means any time.
    send_window: str = Field(default="09:00-20:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    # A provider's report that an SMS could not be delivered: give the parent the money back
    # ("refund") or keep the charge ("keep"; the provider billed us anyway).
    undeliverable_policy: Literal["refund", "keep"] = "refund"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Public base URL of this service (payment return URLs, one-click unsubscribe links).
    public_base_url: str = "http://127.0.0.1:8080"
    # "production" (compose, the image) refuses to start on settings that would charge
    # parents for nothing, lock users out or offer top-ups that cannot complete
    # (notifier/production.py); "development" (`make run`, tests, the demo) allows the dev
    # SMS provider and the dev payment gateway.
    deployment_mode: Literal["development", "production"] = "development"

    # --- Identity: bearer tokens (JWT) issued by the core e-school system ---------------
    jwt_issuer: str = "e-school"
    jwt_audience: str = "school-notifier"
    jwt_hs256_secret: SecretStr | None = Field(default=None, min_length=32)
    jwt_public_key_file: Path | None = None  # PEM, for RS256 / ES256
    jwt_jwks_file: Path | None = None  # a JWKS document on disk, keys chosen by "kid"
    # Signs one-click unsubscribe links and similar tokens of our own.
    link_signing_secret: SecretStr | None = Field(default=None, min_length=32)

    # --- Parents' Notification Manager API (/api/v1) ------------------------------------
    # How long a one-click unsubscribe link (signed with LINK_SIGNING_SECRET) stays valid.
    unsubscribe_link_ttl_days: int = Field(default=60, ge=1, le=366)
    # Verification codes are free SMS the house pays: one parent may ask codes for at most
    # this many different phones a day (notifier/manager/code_limits.py has the other limits).
    verification_phones_per_day: int = Field(default=3, ge=1, le=100)

    # --- Finance: low-balance notice (amounts in minor units) ---------------------------
    # A parent whose available balance falls below this (or below the cost of their next
    # weekly digest) is told once per crossing: "sms" = a free SMS paid by the house,
    # "flag" = only a flag the Notification Manager shows.
    low_balance_threshold_kzt: int = Field(default=200_00, ge=0)
    low_balance_threshold_kgs: int = Field(default=30_00, ge=0)
    low_balance_notice: Literal["sms", "flag"] = "sms"

    # --- Payments: top-ups (amounts in minor units, per currency, e.g. '{"KZT": 50000}') --
    # The gateway a top-up uses unless the request names another configured one.
    payment_gateway: Literal["dev", "freedompay", "stripe"] = "dev"
    top_up_min: dict[str, int] = {"KZT": 500_00, "KGS": 100_00}
    top_up_max: dict[str, int] = {"KZT": 100_000_00, "KGS": 20_000_00}
    # The most one parent may top up in any 24 hours (failed/expired attempts do not count).
    top_up_daily_limit: dict[str, int] = {"KZT": 200_000_00, "KGS": 40_000_00}
    # A payment not finished within this time is expired (a later confirmation still counts).
    top_up_pending_ttl_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    # Signs the dev gateway's callbacks; `make run` generates one. Unset: dev gateway disabled.
    # Its "Pay" button credits wallets without money: never in production (notifier/
    # production.py), never next to live gateway keys (checked below).
    dev_payments_secret: SecretStr | None = Field(default=None, min_length=32)
    # Freedom Pay (formerly PayBox.money): merchant id and secret key, or it is disabled.
    freedompay_merchant_id: str | None = None
    freedompay_secret_key: SecretStr | None = None
    freedompay_base_url: str = "https://api.freedompay.kz"
    # --- end payments ---

    # --- Stripe top-ups (Checkout Sessions + webhooks) ----------------------------------
    # No default: without a secret key the Stripe gateway is disabled.
    stripe_api_key: SecretStr | None = None
    # The endpoint's signing secret ("whsec_..."); unset: POST /payments/stripe/webhook is 503.
    stripe_webhook_secret: SecretStr | None = None
    # Tests and local runs point this at stripe-mock.
    stripe_api_base: str = "https://api.stripe.com"
    # --- end stripe ---

    # --- Weekly digest ---
    # Longest weekly digest, in SMS parts: detail is dropped to fit (notifier/digest/budget.py).
    digest_max_parts: int = Field(default=3, ge=1, le=10)
    # Subscriptions composed, charged and queued per transaction (keyset-paginated).
    digest_batch_size: int = Field(default=5_000, ge=1, le=50_000)
    # Schools whose digests are composed and queued side by side (each holds a connection).
    digest_schools_at_once: int = Field(default=3, ge=1, le=8)
    # --- end weekly digest ---

    # --- SMS providers ------------------------------------------------------------------
    # Which providers carry SMS to which numbers: longest E.164 prefix wins, "*" is the
    # default; a provider is tried only after the one before it certainly refused.
    # Every name must be configured below ("dev" always is).
    sms_routes: dict[str, list[str]] = {"*": ["dev"]}
    # Per provider, e.g. '{"smpp": 50, "mobizon": 10}': messages a second (token bucket,
    # unset = unlimited) and submits in flight at once (unset = 8).
    sms_rate_limits: dict[str, float] = {}
    sms_max_in_flight: dict[str, int] = {}
    # A provider refusing (or timing out) this many times in a row is skipped for a while.
    sms_breaker_failures: int = Field(default=5, ge=1, le=1000)
    sms_breaker_cool_down_seconds: float = Field(default=30.0, gt=0, le=3600)
    # SMPP 3.4 (an operator's SMSC). Host, system id and password, or it is not available.
    smpp_host: str | None = None
    smpp_port: int = Field(default=2775, ge=1, le=65535)
    smpp_system_id: str | None = Field(default=None, max_length=15)
    smpp_password: SecretStr | None = Field(default=None, max_length=8)
    smpp_system_type: str = Field(default="", max_length=12)
    smpp_source_addr: str | None = Field(default=None, max_length=20)  # unset: SMS_SENDER
    # Per bind: submits in flight (the window) and submits a second (unset: unlimited).
    smpp_window: int = Field(default=10, ge=1, le=1000)
    smpp_bind_rate: float | None = Field(default=None, gt=0, le=10_000)
    # Transceiver binds to the SMSC, each with that window and rate (operators sell
    # throughput per bind). One breaker for them all; every part of an SMS on one bind.
    smpp_binds: int = Field(default=1, ge=1, le=32)
    # Below DISPATCH_SEND_TIMEOUT_SECONDS divided by SMS_MAX_PARTS: every part must fit.
    smpp_submit_timeout_seconds: float = Field(default=4.0, gt=0, le=120)
    # How this SMSC writes message ids in receipts, for one-part messages: "same" as in
    # submit_sm_resp, or the other base ("decimal_of_hex", "hex_of_decimal").
    smpp_receipt_ids: Literal["same", "decimal_of_hex", "hex_of_decimal"] = "same"
    # Mobizon (api.mobizon.kz). Without an API key it is not available. Its "SMS statuses"
    # webhook posts to /sms/reports/mobizon, signed with the secret key set on the webhook.
    mobizon_api_key: SecretStr | None = None
    mobizon_base_url: str = "https://api.mobizon.kz"
    mobizon_webhook_secret: SecretStr | None = Field(default=None, min_length=16)
    mobizon_sender: str | None = Field(default=None, max_length=11)  # unset: SMS_SENDER
    # Nikita (smspro.nikita.kg). Login and password, or it is not available.
    nikita_login: str | None = None
    nikita_password: SecretStr | None = None
    nikita_sender: str | None = Field(default=None, max_length=11)  # unset: SMS_SENDER
    nikita_base_url: str = "https://smspro.nikita.kg/api"
    # Prefixed to our message ids (<= 12 chars in all) when environments share an account.
    nikita_id_prefix: str = Field(default="", max_length=3, pattern=r"^[A-Za-z0-9]*$")
    # --- end SMS providers ---

    # --- Announcements and instant grade alerts ---
    # An announcement longer than this many SMS parts (in any of its languages) is refused
    # and dead-lettered with the count, never cut.
    announcement_max_parts: int = Field(default=3, ge=1, le=10)
    # Urgent announcements (school administrators only) skip the sending window, but never
    # go out in the pupil's local night: from this hour to the next (0-23, local time).
    urgent_night_start_hour: int = Field(default=22, ge=0, le=23)
    urgent_night_end_hour: int = Field(default=7, ge=0, le=23)
    # An instant grade alert waits this long before it is sent: a change within it replaces
    # the alert, a deletion withdraws it (and releases its hold).
    grade_alert_grace_minutes: int = Field(default=10, ge=0, le=24 * 60)
    # A grade changed or deleted after its alert was sent: one short correction SMS.
    grade_alert_corrections: bool = True
    # --- end announcements ---

    @field_validator("send_window")
    @classmethod
    def _a_real_window(cls, value: str) -> str:
        for part in value.split("-"):
            time.fromisoformat(part)  # "25:00" is refused here, not at the first SMS
        return value

    @model_validator(mode="after")
    def _dev_gateway_never_beside_real_money(self) -> Settings:
        if self.dev_payments_secret is not None and self.live_gateways:
            raise ValueError(
                "DEV_PAYMENTS_SECRET (a gateway that credits wallets without payment) is"
                " refused next to live payment gateway keys: " + ", ".join(self.live_gateways)
            )
        return self

    @property
    def development_mode(self) -> bool:
        return self.deployment_mode == "development"

    @property
    def live_gateways(self) -> list[str]:
        """Configured gateways that move real money: a Stripe live key, or a Freedom Pay
        merchant at its production API."""
        live = []
        key = self.stripe_api_key.get_secret_value() if self.stripe_api_key else ""
        if key.startswith(("sk_live_", "rk_live_")):
            live.append("STRIPE_API_KEY")
        host = urlsplit(self.freedompay_base_url).hostname or ""
        production = host.endswith(("freedompay.kz", "paybox.money", "freedompay.money"))
        if self.freedompay_merchant_id and production:
            live.append("FREEDOMPAY_MERCHANT_ID")
        return live


def load_settings(**overrides: object) -> Settings:
    """Read the environment; on a bad or missing variable exit with a message naming it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise config_error(exc) from exc


def config_error(exc: ValidationError) -> ConfigError:
    """One line per bad or missing variable, named as it is set."""
    lines = [
        f"  {'.'.join(str(p) for p in err['loc']).upper() or 'SETTINGS'}: {err['msg']}"
        for err in exc.errors()
    ]
    return ConfigError("invalid configuration:\n" + "\n".join(lines))
