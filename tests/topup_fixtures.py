"""Fixtures of the top-up tests; a test module uses them with
`pytest_plugins = ("tests.topup_fixtures",)`.

`topups`: create_app on a real loopback port (payment pages and callbacks need its public
URL) with the dev gateway and Freedom Pay configured, the latter pointed at a fake.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.api_support import MovableClock
from tests.freedompay_fake import FakeFreedomPay
from tests.topup_support import TopUps

MERCHANT_ID = "545084"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def freedompay() -> AsyncIterator[tuple[FakeFreedomPay, str]]:
    fake = FakeFreedomPay(MERCHANT_ID, secrets.token_urlsafe(16))
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    yield fake, fake.base_url
    await server.close()


@pytest.fixture
async def topups(
    settings: Settings, freedompay: tuple[FakeFreedomPay, str]
) -> AsyncIterator[TopUps]:
    port = _free_port()
    async with _serve(settings, freedompay, port, f"http://127.0.0.1:{port}") as running:
        yield running


@pytest.fixture
async def topups_elsewhere(
    settings: Settings, freedompay: tuple[FakeFreedomPay, str]
) -> AsyncIterator[TopUps]:
    """As `topups`, but PUBLIC_BASE_URL names another port (a proxy, a port mapping) that
    nothing listens on from the service's side."""
    port, elsewhere = _free_port(), _free_port()
    async with _serve(settings, freedompay, port, f"http://127.0.0.1:{elsewhere}") as running:
        yield running


@contextlib.asynccontextmanager
async def _serve(
    settings: Settings, freedompay: tuple[FakeFreedomPay, str], port: int, public_base_url: str
) -> AsyncIterator[TopUps]:
    fake, fake_url = freedompay
    configured = settings.model_copy(
        update={
            "jwt_hs256_secret": SecretStr(secrets.token_urlsafe(32)),
            "dev_payments_secret": SecretStr(secrets.token_urlsafe(32)),
            "public_base_url": public_base_url,
            "freedompay_merchant_id": MERCHANT_ID,
            "freedompay_secret_key": SecretStr(fake.secret),
            "freedompay_base_url": fake_url,
        }
    )
    clock = MovableClock()
    app = create_app(configured, clock=clock, consume=False, dispatch=False, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield TopUps(client, configured, clock, fake)
