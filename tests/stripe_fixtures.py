"""Fixtures of the Stripe tests; a test module uses them with
`pytest_plugins = ("tests.e2e.api_fixtures", "tests.stripe_fixtures")` (helpers:
tests/stripe_support.py).

`stripe_mock`: one real stripe-mock for the session. `stripe_api`: the parents' API (see
tests/e2e/api_fixtures.py) with Stripe switched on against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from devstack.stripe_mock import StripeMock
from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.api_support import ROSTER, Api, MovableClock
from tests.stripe_support import STRIPE_STATE, stripe_settings


@pytest.fixture(scope="session")
def stripe_mock() -> Iterator[str]:
    """The base URL of one real stripe-mock for the whole session."""
    reason = StripeMock.available()
    if reason is not None:
        pytest.skip(f"stripe-mock cannot run here: {reason}")
    with StripeMock(fixtures=STRIPE_STATE) as mock:
        yield mock.base_url


@pytest.fixture
async def stripe_api(api_settings: Settings, stripe_mock: str) -> AsyncIterator[Api]:
    settings = api_settings.model_copy(update=stripe_settings(stripe_mock))
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(ROSTER)
    finally:
        await conn.close()
    clock = MovableClock()
    app = create_app(settings, clock=clock, consume=False, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Api(client, settings, clock)
