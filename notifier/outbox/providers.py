"""The SMS providers as the running service uses them: SMS_ROUTES over every configured
provider, receipts recorded through the database, and the job that pulls Nikita's reports.
create_app opens `sms_providers` after the database, which it needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from gateways.sms.base import SmsProvider
from gateways.sms.nikita import NikitaProvider
from gateways.sms.registry import build_providers, build_routed
from gateways.sms.routed import RoutedProvider
from gateways.sms.routing import InvalidRoutes
from notifier import keys
from notifier.outbox.parts import PgParts
from notifier.outbox.reports import poll_nikita, report_sink
from notifier.settings import ConfigError

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]
NIKITA_REPORT_WINDOW = timedelta(days=3)  # Nikita keeps reports for days; older ones stay unknown


def sms_providers(given: SmsProvider | None = None) -> CleanupCtx:
    """Opens the routed provider under keys.SMS_PROVIDER (`given` replaces it in tests)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        provider = given or _routed(app)
        app[keys.SMS_PROVIDER] = provider
        yield
        await provider.close()

    return ctx


def _routed(app: web.Application) -> RoutedProvider:
    s, clock, pool = app[keys.SETTINGS], app[keys.CLOCK], app[keys.POOL]
    sink = report_sink(pool, policy=s.undeliverable_policy, metrics=app.get(keys.METRICS))
    providers = build_providers(s, clock=clock, on_report=sink, parts=PgParts(pool))
    try:
        return build_routed(s, providers, clock=clock, observer=app.get(keys.METRICS))
    except InvalidRoutes as exc:  # nothing to close: providers connect on first use
        raise ConfigError(f"invalid configuration:\n  SMS_ROUTES: {exc}") from exc


def _nikita(provider: SmsProvider) -> NikitaProvider | None:
    if isinstance(provider, RoutedProvider):
        lane = provider.lanes.get("nikita")
        provider = lane.provider if lane is not None else provider
    return provider if isinstance(provider, NikitaProvider) else None


async def poll_nikita_reports(app: web.Application) -> None:
    """Scheduled: record Nikita's final reports for its recent messages still without one."""
    nikita = _nikita(app[keys.SMS_PROVIDER])
    if nikita is None:
        return
    since = app[keys.CLOCK].now() - NIKITA_REPORT_WINDOW
    policy = app[keys.SETTINGS].undeliverable_policy
    await poll_nikita(app[keys.POOL], nikita, since=since, policy=policy)
