"""Configuration errors name the variable; money prints as people read it."""

from __future__ import annotations

import pytest

from billing.errors import InvalidAmount
from billing.money import Money, format_amount, require_positive
from notifier.settings import ConfigError, load_settings


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
