"""Every SMS provider the settings configure, and the routed provider in front of them.

A provider whose settings are missing is simply not built (and a route naming it is a
start-up error). `{name: builder}` is the whole registry: adding a provider adds one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from gateways.sms.base import SmsProvider
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.dev import DevSmsProvider
from gateways.sms.lanes import Lane
from gateways.sms.mobizon import MobizonConfig, MobizonProvider
from gateways.sms.nikita import NikitaConfig, NikitaProvider
from gateways.sms.ratelimit import TokenBucket
from gateways.sms.reports import ReportSink
from gateways.sms.routed import RoutedProvider, SendObserver
from gateways.sms.routing import validate_routes
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_receipts import PartStore
from gateways.sms.smpp_session import SmppConfig
from notifier.clock import Clock, SystemClock
from notifier.settings import Settings

DEFAULT_IN_FLIGHT = 8


@dataclass(frozen=True)
class Wiring:
    """What providers get from the app besides settings."""

    clock: Clock
    on_report: ReportSink | None = None  # pushed receipts (SMPP)
    parts: PartStore | None = None  # long messages' part states (default: in memory)


Builder = Callable[[Settings, Wiring], SmsProvider | None]


def _dev(s: Settings, w: Wiring) -> SmsProvider:
    return DevSmsProvider(s.sms_dev_outbox, lose_ack_rate=s.sms_dev_lose_ack_rate)


def _smpp(s: Settings, w: Wiring) -> SmsProvider | None:
    if not (s.smpp_host and s.smpp_system_id and s.smpp_password):
        return None
    config = SmppConfig(
        s.smpp_host, s.smpp_port, s.smpp_system_id, s.smpp_password.get_secret_value(),
        system_type=s.smpp_system_type, source_addr=s.smpp_source_addr,
        window=s.smpp_window, submit_timeout=s.smpp_submit_timeout_seconds,
        receipt_ids=s.smpp_receipt_ids, binds=s.smpp_binds, bind_rate=s.smpp_bind_rate,
    )  # fmt: skip
    return SmppProvider(config, on_report=w.on_report, clock=w.clock, parts=w.parts)


def _mobizon(s: Settings, w: Wiring) -> SmsProvider | None:
    if s.mobizon_api_key is None:
        return None
    key = s.mobizon_api_key.get_secret_value()
    config = MobizonConfig(key, s.mobizon_base_url, sender=s.mobizon_sender)
    return MobizonProvider(config)


def _nikita(s: Settings, w: Wiring) -> SmsProvider | None:
    if not (s.nikita_login and s.nikita_password):
        return None
    config = NikitaConfig(
        s.nikita_login, s.nikita_password.get_secret_value(), s.nikita_sender,
        base_url=s.nikita_base_url, id_prefix=s.nikita_id_prefix,
    )  # fmt: skip
    return NikitaProvider(config, clock=w.clock)


PROVIDERS: dict[str, Builder] = {
    "dev": _dev,
    "smpp": _smpp,
    "mobizon": _mobizon,
    "nikita": _nikita,
}


def build_providers(
    settings: Settings, *, clock: Clock | None = None, on_report: ReportSink | None = None,
    parts: PartStore | None = None,
) -> dict[str, SmsProvider]:  # fmt: skip
    """The configured providers by name. `on_report` receives pushed receipts (SMPP) and
    `parts` keeps long messages' part states (`notifier.outbox.parts.PgParts`; default: memory)."""
    wiring = Wiring(clock or SystemClock(), on_report, parts)
    built = {name: build(settings, wiring) for name, build in PROVIDERS.items()}
    return {name: provider for name, provider in built.items() if provider is not None}


def build_routed(
    settings: Settings, providers: dict[str, SmsProvider], *, clock: Clock,
    observer: SendObserver | None = None,
) -> RoutedProvider:  # fmt: skip
    """SMS_ROUTES over the providers, each in its own lane (raises InvalidRoutes)."""
    routes = validate_routes(settings.sms_routes, list(providers))
    cool_down = timedelta(seconds=settings.sms_breaker_cool_down_seconds)
    lanes = {}
    for name, provider in providers.items():
        rate = settings.sms_rate_limits.get(name)
        lanes[name] = Lane(
            provider,
            CircuitBreaker(clock, threshold=settings.sms_breaker_failures, cool_down=cool_down),
            asyncio.Semaphore(settings.sms_max_in_flight.get(name, _in_flight(settings, name))),
            TokenBucket(clock, rate=rate, burst=max(1, int(rate))) if rate else None,
        )
    return RoutedProvider(lanes, routes, observer=observer)


def _in_flight(s: Settings, name: str) -> int:
    """SMPP's binds each carry a window: the lane lets them all fill (more would queue inside
    the provider, where a dispatcher timeout would look like a maybe-sent SMS)."""
    return s.smpp_binds * s.smpp_window if name == "smpp" else DEFAULT_IN_FLIGHT
