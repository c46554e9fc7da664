"""What production refuses (notifier/production.py), as pure checks of settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from notifier.production import (
    StartupRefused,
    check_settings,
    key_file_problems,
    settings_problems,
    unrouted_countries,
)
from notifier.settings import Settings

# What an operator with Freedom Pay, an SMPP account and the e-school's HS256 secret sets.
GOOD: dict[str, Any] = {
    "database_url": "postgresql://u:p@db/notifier",
    "kafka_bootstrap_servers": "kafka:9092",
    "deployment_mode": "production",
    "sms_routes": {"+7": ["smpp"], "+996": ["smpp"]},
    "jwt_hs256_secret": "j" * 32,
    "link_signing_secret": "l" * 32,
    "payment_gateway": "freedompay",
    "freedompay_merchant_id": "552211",
    "freedompay_secret_key": "f" * 16,
    "public_base_url": "https://notify.example.kz",
}
FREEDOMPAY_TEST = "https://test-api.freedompay.example"


def _problems(**over: Any) -> list[str]:
    return settings_problems(Settings(**(GOOD | over)))


def test_a_complete_production_deployment_has_no_problem() -> None:
    assert _problems() == []
    assert _problems(jwt_hs256_secret=None, jwt_jwks_file="/keys/e-school.jwks.json") == []
    stripe = {"stripe_api_key": "sk_live_x", "stripe_webhook_secret": "whsec_x"}
    assert _problems(payment_gateway="stripe", **stripe) == []


@pytest.mark.parametrize(
    ("over", "variable"),
    [
        ({"sms_routes": None}, "SMS_ROUTES: unset"),  # the default: every SMS to a file
        ({"sms_routes": {"+7": ["smpp"], "*": ["dev"]}}, 'SMS_ROUTES: route "*" names the dev'),
        ({"jwt_hs256_secret": None}, "JWT_HS256_SECRET / JWT_JWKS_FILE"),
        ({"link_signing_secret": None}, "LINK_SIGNING_SECRET: unset"),
        ({"payment_gateway": "dev"}, "PAYMENT_GATEWAY: dev credits wallets"),
        # (beside a live merchant the settings themselves refuse it, in any mode)
        ({"dev_payments_secret": "d" * 32, "freedompay_base_url": FREEDOMPAY_TEST}, "DEV_PAY"),
        ({"payment_gateway": "stripe"}, "STRIPE_API_KEY: unset"),
        ({"payment_gateway": "stripe"}, "STRIPE_WEBHOOK_SECRET: unset"),
        ({"stripe_api_key": "sk_live_x"}, "STRIPE_WEBHOOK_SECRET: unset"),  # on, not default
        ({"freedompay_merchant_id": None}, "FREEDOMPAY_MERCHANT_ID: unset"),
        ({"freedompay_secret_key": None}, "FREEDOMPAY_SECRET_KEY: unset"),
        ({"public_base_url": "http://127.0.0.1:8080"}, "PUBLIC_BASE_URL: http://127.0.0.1"),
        ({"public_base_url": "http://localhost:8080"}, "PUBLIC_BASE_URL: http://localhost"),
        ({"public_base_url": "http://[::1]/"}, "PUBLIC_BASE_URL: http://[::1]/"),
        ({"public_base_url": "http://0.0.0.0:8080"}, "PUBLIC_BASE_URL: http://0.0.0.0"),
    ],
)
def test_each_unsafe_setting_is_one_line_naming_its_variable(
    over: dict[str, Any], variable: str
) -> None:
    settings = GOOD | over
    if over.get("sms_routes", ...) is None:
        del settings["sms_routes"]
    problems = settings_problems(Settings(**settings))
    assert [p for p in problems if p.startswith(variable)], problems
    assert all("\n" not in p for p in problems)


def test_every_problem_is_reported_at_once() -> None:
    bare = Settings(database_url="postgresql://x/y", kafka_bootstrap_servers="k:1")
    problems = settings_problems(bare.model_copy(update={"deployment_mode": "production"}))
    named = {p.split(":")[0] for p in problems}
    assert named == {
        "SMS_ROUTES",
        "JWT_HS256_SECRET / JWT_JWKS_FILE / JWT_PUBLIC_KEY_FILE",
        "LINK_SIGNING_SECRET",
        "PAYMENT_GATEWAY",
        "PUBLIC_BASE_URL",
    }


def test_development_refuses_nothing_and_production_refuses_with_every_line() -> None:
    check_settings(Settings(**(GOOD | {"deployment_mode": "development", "sms_routes": {}})))
    with pytest.raises(StartupRefused) as refused:
        check_settings(Settings(**(GOOD | {"payment_gateway": "dev", "link_signing_secret": None})))
    assert len(refused.value.problems) == 2
    assert str(refused.value).splitlines()[1:] == [f"  {p}" for p in refused.value.problems]


def test_a_country_with_schools_needs_a_route_for_its_calling_code() -> None:
    schools = {"KZ": 3, "KG": 1}
    assert unrouted_countries({"+7": ["smpp"], "+996": ["nikita"]}, schools) == []
    assert unrouted_countries({"*": ["smpp"]}, schools) == []
    assert unrouted_countries({"+77": ["smpp"], "+996": ["nikita"]}, schools) == []
    (problem,) = unrouted_countries({"+77": ["smpp"]}, schools)
    assert problem.startswith("SMS_ROUTES: no route for +996 numbers")
    assert "1 school(s) in KG" in problem
    assert unrouted_countries({"+77": ["smpp"]}, {}) == []  # no school yet: nothing to route


def test_a_token_key_file_that_is_missing_or_empty_is_named(tmp_path: Path) -> None:
    jwks = tmp_path / "e-school.jwks.json"
    settings = Settings(**(GOOD | {"jwt_hs256_secret": None, "jwt_jwks_file": jwks}))
    (missing,) = key_file_problems(settings)
    assert missing.startswith(f"JWT_JWKS_FILE: cannot use {jwks} (No such file or directory)")
    jwks.write_text(json.dumps({"keys": []}))
    (empty,) = key_file_problems(settings)
    assert empty.startswith("JWT_JWKS_FILE: ")
    key = {"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA", "alg": "HS256"}
    jwks.write_text(json.dumps({"keys": [key | {"kid": "k1"}]}))
    assert key_file_problems(settings) == []
    pem = tmp_path / "e-school.pem"
    pem.write_text("not a key")
    bad = settings.model_copy(update={"jwt_public_key_file": pem})
    assert [p.split(":")[0] for p in key_file_problems(bad)] == ["JWT_PUBLIC_KEY_FILE"]
