"""Fixtures of the parents' API tests; a test module uses them with
`pytest_plugins = ("tests.e2e.api_fixtures",)`.

`api`: create_app on a loopback server with a movable clock and the roster of api_support.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from notifier.settings import Settings
from tests.e2e.api_support import Api, serve_api


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "jwt_hs256_secret": SecretStr(secrets.token_urlsafe(32)),
            "link_signing_secret": SecretStr(secrets.token_urlsafe(32)),
            "public_base_url": "https://notify.example.kz",
        }
    )


@pytest.fixture
async def api(api_settings: Settings) -> AsyncIterator[Api]:
    async with serve_api(api_settings) as running:
        yield running
