"""The service's SMS provider: SMS_ROUTES over the configured providers, opened and closed
with the app; a route to an unconfigured provider stops start-up with a message."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp import web
from pydantic import SecretStr

from gateways.sms import OutgoingSms
from notifier import keys
from notifier.outbox.providers import poll_nikita_reports, sms_providers
from notifier.settings import ConfigError, Settings
from tests.fakes.nikita import FakeNikita
from tests.support import MovableClock

pytest_plugins = ("tests.fakes.fixtures",)


def app_with(settings: Settings, pool: asyncpg.Pool) -> web.Application:
    app = web.Application()
    app[keys.SETTINGS], app[keys.CLOCK], app[keys.POOL] = settings, MovableClock(), pool
    return app


def sms(phone: str) -> OutgoingSms:
    return OutgoingSms("n42", phone, "Үй тапшырмасы", 1, "UCS-2", 3_00, "KGS", "eMektep")


async def test_kyrgyz_numbers_go_to_nikita_and_the_rest_to_the_default(
    settings: Settings, pool: asyncpg.Pool, nikita: FakeNikita
) -> None:
    settings = settings.model_copy(update={
        "sms_routes": {"+996": ["nikita"], "*": ["dev"]}, "nikita_login": nikita.login,
        "nikita_password": SecretStr(nikita.password), "nikita_base_url": nikita.url,
    })  # fmt: skip
    app = app_with(settings, pool)
    opened = sms_providers()(app)
    await anext(opened)
    provider = app[keys.SMS_PROVIDER]
    assert (await provider.send(sms("+996555123456"))).provider == "nikita"
    assert (await provider.send(sms("+77011234567"))).provider == "dev"
    assert list(nikita.messages) == ["n16"]
    await poll_nikita_reports(app)  # nothing sent through the outbox yet: nothing to ask
    with pytest.raises(StopAsyncIteration):
        await anext(opened)


async def test_a_route_to_an_unconfigured_provider_stops_start_up(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    settings = settings.model_copy(update={"sms_routes": {"+77": ["smpp"], "*": ["dev"]}})
    with pytest.raises(ConfigError, match="SMS_ROUTES: route '\\+77': smpp not configured"):
        await anext(sms_providers()(app_with(settings, pool)))
