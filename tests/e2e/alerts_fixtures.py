"""The `alerts` fixture of the announcement and instant-grade tests; a test module uses it
with `pytest_plugins = ("tests.e2e.alerts_fixtures",)`. Helpers: tests/e2e/alerts_support.py."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.alerts_support import Alerts
from tests.support import MovableClock


@pytest.fixture
async def alerts(settings: Settings) -> AsyncIterator[Alerts]:
    configured = settings.model_copy(
        update={"jwt_hs256_secret": SecretStr(secrets.token_urlsafe(32))}
    )
    # Today, 11:00 in Almaty: inside every school's sending window whenever the suite runs.
    clock = MovableClock(datetime.combine(datetime.now(UTC).date(), time(6, 0), UTC))
    app = create_app(configured, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Alerts(client, configured, clock)
