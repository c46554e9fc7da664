"""Signed one-click unsubscribe links: authentic ones read back, anything else is refused."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from pydantic import SecretStr

from notifier.manager.errors import InvalidLink, NotConfigured
from notifier.manager.links import (
    UnsubscribeClaim,
    read_unsubscribe,
    sign_unsubscribe,
    unsubscribe_link,
)
from notifier.settings import Settings

SECRET = secrets.token_urlsafe(32)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CLAIM = UnsubscribeClaim("par-1", "p-aida", "homework", NOW + timedelta(days=1))


def _settings(**over: object) -> Settings:
    return Settings(
        database_url="postgresql://unused",
        kafka_bootstrap_servers="unused:9092",
        public_base_url="https://notify.example.kz/",
        **over,  # type: ignore[arg-type]
    )


def test_a_signed_claim_reads_back_unchanged() -> None:
    assert read_unsubscribe(SECRET, sign_unsubscribe(SECRET, CLAIM), NOW) == CLAIM


def test_ids_with_dots_and_unicode_survive() -> None:
    claim = UnsubscribeClaim("par.1/ä", "p-ж.2", "all", NOW + timedelta(days=1))
    assert read_unsubscribe(SECRET, sign_unsubscribe(SECRET, claim), NOW) == claim


def test_an_expired_link_says_so() -> None:
    token = sign_unsubscribe(SECRET, CLAIM)
    with pytest.raises(InvalidLink) as caught:
        read_unsubscribe(SECRET, token, CLAIM.expires_at)
    assert caught.value.reason == "expired"


def _tampered_payload() -> str:
    token = sign_unsubscribe(SECRET, CLAIM)
    other = sign_unsubscribe(SECRET, UnsubscribeClaim("par-2", "p-nur", "all", CLAIM.expires_at))
    return other.split(".")[0] + "." + token.split(".")[1]


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b",
        "%%%.***",
        "ÿ.ÿ",
        sign_unsubscribe(secrets.token_urlsafe(32), CLAIM),  # another secret
        sign_unsubscribe(SECRET, CLAIM)[:-2],  # cut signature
        _tampered_payload(),
    ],
)
def test_a_link_not_signed_by_us_is_invalid(token: str) -> None:
    with pytest.raises(InvalidLink) as caught:
        read_unsubscribe(SECRET, token, NOW)
    assert caught.value.reason == "invalid"


def test_the_link_points_at_this_service_and_carries_a_valid_token() -> None:
    settings = _settings(link_signing_secret=SecretStr(SECRET), unsubscribe_link_ttl_days=30)
    link = unsubscribe_link(settings, "par-1", "p-aida", "all", now=NOW)
    url = urlsplit(link)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://notify.example.kz/unsubscribe"
    token = unquote(parse_qs(url.query)["token"][0])
    claim = read_unsubscribe(SECRET, token, NOW)
    assert claim == UnsubscribeClaim("par-1", "p-aida", "all", NOW + timedelta(days=30))
    assert len(link) < 120  # short enough to put in an SMS


def test_no_secret_means_no_links() -> None:
    with pytest.raises(NotConfigured):
        unsubscribe_link(_settings(), "par-1", "p-aida", "all", now=NOW)
