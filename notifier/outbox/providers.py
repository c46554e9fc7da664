"""The SMS providers as the running service uses them: SMS_ROUTES over every configured
provider, receipts recorded through the database, and the job that pulls Nikita's reports.
create_app opens `sms_providers` after the database, which it needs; the providers get plain
configuration (`sms_config`), never the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from gateways.sms.base import SmsProvider
from gateways.sms.mobizon import MobizonConfig
from gateways.sms.nikita import NikitaConfig, NikitaProvider
from gateways.sms.registry import SmsConfig, build_providers, build_routed
from gateways.sms.routed import RoutedProvider
from gateways.sms.routing import InvalidRoutes
from gateways.sms.smpp_session import SmppConfig
from notifier import keys
from notifier.manager.stop import reply_sink
from notifier.outbox.parts import PgParts
from notifier.outbox.reports import poll_nikita, report_sink
from notifier.settings import ConfigError, Settings

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]
NIKITA_REPORT_WINDOW = timedelta(days=3)  # Nikita keeps reports for days; older ones stay unknown


def sms_config(s: Settings) -> SmsConfig:
    """The providers' configuration; a provider without its credentials is left out."""
    return SmsConfig(
        s.sms_dev_outbox, s.sms_dev_lose_ack_rate, s.sms_dev_lookups, smpp=_smpp(s),
        mobizon=_mobizon(s), nikita=_nikita_config(s), routes=s.sms_routes,
        rate_limits=s.sms_rate_limits, max_in_flight=s.sms_max_in_flight,
        breaker_failures=s.sms_breaker_failures,
        breaker_cool_down=timedelta(seconds=s.sms_breaker_cool_down_seconds),
    )  # fmt: skip


def _smpp(s: Settings) -> SmppConfig | None:
    if not (s.smpp_host and s.smpp_system_id and s.smpp_password):
        return None
    return SmppConfig(
        s.smpp_host, s.smpp_port, s.smpp_system_id, s.smpp_password.get_secret_value(),
        system_type=s.smpp_system_type, source_addr=s.smpp_source_addr,
        window=s.smpp_window, submit_timeout=s.smpp_submit_timeout_seconds,
        receipt_ids=s.smpp_receipt_ids, binds=s.smpp_binds, bind_rate=s.smpp_bind_rate,
    )  # fmt: skip


def _mobizon(s: Settings) -> MobizonConfig | None:
    if s.mobizon_api_key is None:
        return None
    key = s.mobizon_api_key.get_secret_value()
    return MobizonConfig(key, s.mobizon_base_url, sender=s.mobizon_sender)


def _nikita_config(s: Settings) -> NikitaConfig | None:
    if not (s.nikita_login and s.nikita_password):
        return None
    return NikitaConfig(
        s.nikita_login, s.nikita_password.get_secret_value(), s.nikita_sender,
        base_url=s.nikita_base_url, id_prefix=s.nikita_id_prefix,
    )  # fmt: skip


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
    config = sms_config(s)
    sink = report_sink(pool, policy=s.undeliverable_policy, metrics=app.get(keys.METRICS))
    providers = build_providers(
        config, clock=clock, on_report=sink, parts=PgParts(pool), on_incoming=reply_sink(pool)
    )
    try:
        return build_routed(config, providers, clock=clock, observer=app.get(keys.METRICS))
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
