"""`notifier serve` in production, as a deployer starts it: each unsafe combination of
settings ends the process before it is ready, with one line naming what to set and no
traceback; a complete one starts and answers /readyz."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from devstack import EmbeddedStack
from devstack.service import ServiceProcess
from notifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "http://127.0.0.1:9"  # gateways and providers connect on first use only


def _production(stack: EmbeddedStack, database_url: str) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    return {
        "DEPLOYMENT_MODE": "production",
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"p{run}.",
        "KAFKA_GROUP_ID": f"notifier-{run}",
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
        "SMS_ROUTES": '{"+7": ["mobizon"], "+996": ["mobizon"]}',
        "MOBIZON_API_KEY": "mobizon-key",
        "MOBIZON_BASE_URL": NOWHERE,
        "JWT_HS256_SECRET": "j" * 32,
        "LINK_SIGNING_SECRET": "l" * 32,
        "PAYMENT_GATEWAY": "freedompay",
        "FREEDOMPAY_MERCHANT_ID": "552211",
        "FREEDOMPAY_SECRET_KEY": "freedompay-secret",
        "FREEDOMPAY_BASE_URL": NOWHERE,
        "PUBLIC_BASE_URL": "https://notify.example.kz",
    }


def _clean_environment() -> dict[str, str]:
    """This process's environment without any variable the service reads."""
    read = {name.upper() for name in Settings.model_fields}
    return {k: v for k, v in os.environ.items() if k.upper() not in read}


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", "serve"],
        env=_clean_environment() | {"HTTP_PORT": "0"} | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


BAD = {
    "no SMS_ROUTES": ({"SMS_ROUTES": ""}, "SMS_ROUTES: unset, so every SMS would go to the dev"),
    "dev SMS route": (
        {"SMS_ROUTES": '{"+7": ["mobizon"], "*": ["dev"]}'},
        'SMS_ROUTES: route "*" names the dev provider',
    ),
    "no token key": ({"JWT_HS256_SECRET": ""}, "JWT_HS256_SECRET / JWT_JWKS_FILE"),
    "a token key file that is not there": (
        {"JWT_HS256_SECRET": "", "JWT_JWKS_FILE": "/keys/e-school.jwks.json"},
        "JWT_JWKS_FILE: cannot use /keys/e-school.jwks.json (No such file or directory)",
    ),
    "no link secret": ({"LINK_SIGNING_SECRET": ""}, "LINK_SIGNING_SECRET: unset"),
    "dev gateway": ({"PAYMENT_GATEWAY": "dev"}, "PAYMENT_GATEWAY: dev credits wallets"),
    "dev gateway secret": ({"DEV_PAYMENTS_SECRET": "d" * 32}, "DEV_PAYMENTS_SECRET: set"),
    "stripe without keys": ({"PAYMENT_GATEWAY": "stripe"}, "STRIPE_API_KEY: unset"),
    "stripe without webhook secret": (
        {"PAYMENT_GATEWAY": "stripe", "STRIPE_API_KEY": "sk_test_x"},
        "STRIPE_WEBHOOK_SECRET: unset",
    ),
    "freedompay without secret": (
        {"FREEDOMPAY_SECRET_KEY": ""},
        "FREEDOMPAY_SECRET_KEY: unset",
    ),
    "freedompay without merchant": (
        {"FREEDOMPAY_MERCHANT_ID": ""},
        "FREEDOMPAY_MERCHANT_ID: unset",
    ),
    "loopback public URL": (
        {"PUBLIC_BASE_URL": "http://localhost:8080"},
        "PUBLIC_BASE_URL: http://localhost:8080 is this machine only",
    ),
    "a school's country without a route": (
        {"SMS_ROUTES": '{"+7": ["mobizon"]}'},
        "SMS_ROUTES: no route for +996 numbers, but 1 school(s) in KG",
    ),
}


async def _a_school_in_kyrgyzstan(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("INSERT INTO schools (id, country) VALUES ('sch-kg', 'KG')")
    finally:
        await conn.close()


@pytest.mark.parametrize("case", list(BAD))
async def test_production_refuses_to_start_with_one_line_naming_what_to_set(
    stack: EmbeddedStack, database_url: str, case: str
) -> None:
    await _a_school_in_kyrgyzstan(database_url)
    change, expected = BAD[case]
    result = await asyncio.to_thread(_serve, _production(stack, database_url) | change)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert "refusing to start (DEPLOYMENT_MODE=production):" in lines
    assert [line for line in lines if line.startswith(f"  {expected}")], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


async def test_a_complete_production_deployment_starts_and_is_ready(
    stack: EmbeddedStack, database_url: str, tmp_path: Path
) -> None:
    await _a_school_in_kyrgyzstan(database_url)
    read = {name.upper() for name in Settings.model_fields}
    unset = {k: "" for k in os.environ if k.upper() in read}  # the parent's do not leak in
    service = ServiceProcess(unset | _production(stack, database_url), tmp_path)
    try:
        await asyncio.to_thread(service.start)  # raises with the log tail if never ready
        assert service.alive()
    finally:
        await asyncio.to_thread(service.stop)
