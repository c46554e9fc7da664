"""Every SMS provider the configuration names, and the routed provider in front of them.

Adapters take plain configuration (`SmsConfig`, dataclasses), never the service's settings.
A provider whose configuration is missing is simply not built (and a route naming it is a
start-up error). `{name: builder}` is the whole registry: adding a provider adds one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from gateways.clock import Clock, SystemClock
from gateways.sms.base import SmsProvider
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.dev import DevSmsProvider
from gateways.sms.incoming import IncomingSink
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

DEFAULT_IN_FLIGHT = 8


@dataclass(frozen=True)
class SmsConfig:
    """Every provider's configuration as plain values; the service builds it from its settings
    (notifier/outbox/providers.py:sms_config). A provider left None is not built."""

    dev_outbox: Path
    dev_lose_ack_rate: float = 0.0
    dev_lookups: bool = True  # False: the dev provider cannot be asked, as SMPP and Mobizon
    smpp: SmppConfig | None = None
    mobizon: MobizonConfig | None = None
    nikita: NikitaConfig | None = None
    routes: Mapping[str, list[str]] = field(default_factory=lambda: {"*": ["dev"]})
    rate_limits: Mapping[str, float] = field(default_factory=dict)  # parts per second
    max_in_flight: Mapping[str, int] = field(default_factory=dict)
    breaker_failures: int = 5
    breaker_cool_down: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class Wiring:
    """What providers get from the app besides their configuration."""

    clock: Clock
    on_report: ReportSink | None = None  # pushed receipts (SMPP)
    parts: PartStore | None = None  # long messages' part states (default: in memory)
    on_incoming: IncomingSink | None = None  # parents' messages to us (SMPP MO: STOP)


Builder = Callable[[SmsConfig, Wiring], SmsProvider | None]


def _dev(c: SmsConfig, w: Wiring) -> SmsProvider:
    return DevSmsProvider(c.dev_outbox, lose_ack_rate=c.dev_lose_ack_rate, lookups=c.dev_lookups)


def _smpp(c: SmsConfig, w: Wiring) -> SmsProvider | None:
    if c.smpp is None:
        return None
    return SmppProvider(
        c.smpp, on_report=w.on_report, clock=w.clock, parts=w.parts, on_incoming=w.on_incoming
    )


def _mobizon(c: SmsConfig, w: Wiring) -> SmsProvider | None:
    return None if c.mobizon is None else MobizonProvider(c.mobizon)


def _nikita(c: SmsConfig, w: Wiring) -> SmsProvider | None:
    return None if c.nikita is None else NikitaProvider(c.nikita, clock=w.clock)


PROVIDERS: dict[str, Builder] = {
    "dev": _dev,
    "smpp": _smpp,
    "mobizon": _mobizon,
    "nikita": _nikita,
}


def build_providers(
    config: SmsConfig, *, clock: Clock | None = None, on_report: ReportSink | None = None,
    parts: PartStore | None = None, on_incoming: IncomingSink | None = None,
) -> dict[str, SmsProvider]:  # fmt: skip
    """The configured providers by name. `on_report` receives pushed receipts (SMPP) and
    `parts` keeps long messages' part states (`notifier.outbox.parts.PgParts`; default: memory);
    `on_incoming` receives parents' messages to us (SMPP MO)."""
    wiring = Wiring(clock or SystemClock(), on_report, parts, on_incoming)
    built = {name: build(config, wiring) for name, build in PROVIDERS.items()}
    return {name: provider for name, provider in built.items() if provider is not None}


def build_routed(
    config: SmsConfig, providers: dict[str, SmsProvider], *, clock: Clock,
    observer: SendObserver | None = None,
) -> RoutedProvider:  # fmt: skip
    """SMS_ROUTES over the providers, each in its own lane (raises InvalidRoutes)."""
    routes = validate_routes(config.routes, list(providers))
    cool_down = config.breaker_cool_down
    lanes = {}
    for name, provider in providers.items():
        rate = config.rate_limits.get(name)
        lanes[name] = Lane(
            provider,
            CircuitBreaker(clock, threshold=config.breaker_failures, cool_down=cool_down),
            asyncio.Semaphore(config.max_in_flight.get(name, _in_flight(config, name))),
            TokenBucket(clock, rate=rate, burst=max(1, int(rate))) if rate else None,
        )
    return RoutedProvider(lanes, routes, observer=observer)


def _in_flight(c: SmsConfig, name: str) -> int:
    """SMPP's binds each carry a window: the lane lets them all fill (more would queue inside
    the provider, where a dispatcher timeout would look like a maybe-sent SMS)."""
    if name == "smpp" and c.smpp is not None:
        return c.smpp.binds * c.smpp.window
    return DEFAULT_IN_FLIGHT
