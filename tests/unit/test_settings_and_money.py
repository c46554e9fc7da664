"""Configuration errors name the variable; money prints as people read it."""

from __future__ import annotations

import pytest
from aiohttp import web
from pydantic import SecretStr

from billing.errors import InvalidAmount
from billing.money import Money, format_amount, require_positive
from notifier import keys
from notifier.settings import ConfigError, Settings, load_settings
from notifier.topups.gateways import PAYMENT_GATEWAYS


def test_missing_and_bad_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("SMS_MAX_PARTS", "zero")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "DATABASE_URL" in message
    assert "KAFKA_BOOTSTRAP_SERVERS" in message
    assert "SMS_MAX_PARTS" in message


def test_a_short_internal_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1/db")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    monkeypatch.setenv("INTERNAL_API_TOKEN", "12345")  # the seed memo's password: never
    with pytest.raises(ConfigError, match="INTERNAL_API_TOKEN"):
        load_settings()


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (4000, "KZT", "40.00 KZT"),
        (5, "KGS", "0.05 KGS"),
        (-150, "KZT", "-1.50 KZT"),
        (0, "KZT", "0.00 KZT"),
    ],
)
def test_amounts_print_in_major_units(amount: int, currency: str, shown: str) -> None:
    assert format_amount(amount, currency) == shown
    assert str(Money(amount, currency)) == shown


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "100"])
def test_amounts_must_be_positive_integers(bad: object) -> None:
    with pytest.raises(InvalidAmount):
        require_positive(bad)  # type: ignore[arg-type]


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(InvalidAmount):
        Money(100, "USD")


@pytest.fixture
def minimal_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1/db")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    for name in (
        "DEPLOYMENT_MODE",
        "DEV_PAYMENTS_SECRET",
        "STRIPE_API_KEY",
        "FREEDOMPAY_MERCHANT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_empty_optional_variables_are_unset_not_invalid(minimal_env: pytest.MonkeyPatch) -> None:
    # What docker compose passes for `INTERNAL_API_TOKEN: ${INTERNAL_API_TOKEN:-}`.
    for name in ("INTERNAL_API_TOKEN", "JWT_HS256_SECRET", "LINK_SIGNING_SECRET"):
        minimal_env.setenv(name, "")
    settings = load_settings()
    assert settings.internal_api_token is None
    assert settings.jwt_hs256_secret is None


def test_the_deployment_mode_is_development_unless_production_is_said(
    minimal_env: pytest.MonkeyPatch,
) -> None:
    assert load_settings().development_mode
    minimal_env.setenv("DEPLOYMENT_MODE", "production")
    assert not load_settings().development_mode
    minimal_env.setenv("DEPLOYMENT_MODE", "prod")
    with pytest.raises(ConfigError, match="DEPLOYMENT_MODE"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [("STRIPE_API_KEY", "sk_live_" + "1" * 24), ("FREEDOMPAY_MERCHANT_ID", "552211")],
)
def test_the_dev_gateway_is_refused_next_to_live_gateway_keys(
    minimal_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    minimal_env.setenv("DEV_PAYMENTS_SECRET", "d" * 32)
    minimal_env.setenv("FREEDOMPAY_SECRET_KEY", "f" * 16)
    minimal_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_settings_built_in_code_still_get_no_dev_gateway_in_production() -> None:
    settings = Settings(database_url="postgresql://unused", kafka_bootstrap_servers="unused:1")
    app = web.Application()
    app[keys.SETTINGS] = settings.model_copy(
        update={"dev_payments_secret": SecretStr("d" * 32), "deployment_mode": "production"}
    )
    assert PAYMENT_GATEWAYS["dev"](app) is None
    app = web.Application()
    app[keys.SETTINGS] = settings.model_copy(update={"dev_payments_secret": SecretStr("d" * 32)})
    assert PAYMENT_GATEWAYS["dev"](app) is not None
