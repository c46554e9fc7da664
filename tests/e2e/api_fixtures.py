"""Fixtures of the parents' API tests; a test module uses them with
`pytest_plugins = ("tests.e2e.api_fixtures",)`.

`api`: create_app on a loopback server with a movable clock and the roster of api_support.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.api_support import ROSTER, Api, MovableClock


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "jwt_hs256_secret": SecretStr(secrets.token_urlsafe(32)),
            "link_signing_secret": SecretStr(secrets.token_urlsafe(32)),
            "public_base_url": "https://notify.example.kz",
        }
    )


@contextlib.asynccontextmanager
async def serve_api(settings: Settings) -> AsyncIterator[Api]:
    """The service with the roster of api_support, on a loopback server, clock movable."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(ROSTER)
    finally:
        await conn.close()
    clock = MovableClock()
    app = create_app(settings, clock=clock, consume=False, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Api(client, settings, clock)


@pytest.fixture
async def api(api_settings: Settings) -> AsyncIterator[Api]:
    async with serve_api(api_settings) as running:
        yield running
