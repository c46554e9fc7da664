"""Fixtures of the Stripe tests; a test module uses them with
`pytest_plugins = ("tests.e2e.api_fixtures", "tests.stripe_fixtures")` (helpers:
tests/stripe_support.py).

`stripe_mock`: one real stripe-mock for the session. `stripe_api`: the parents' API (see
tests/e2e/api_fixtures.py) with Stripe switched on against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from devstack.stripe_mock import StripeMock
from notifier.settings import Settings
from tests.e2e.api_support import Api, serve_api
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
    async with serve_api(api_settings.model_copy(update=stripe_settings(stripe_mock))) as running:
        yield running
