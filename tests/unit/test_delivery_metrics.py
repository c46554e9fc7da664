"""What the routed provider reports to the app's metrics: each submit's latency and, when a
provider did not accept, the class of its failure; and the breakers' states as ops read them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gateways.sms import SmsInDoubt, SmsRejected, SmsTemporaryFailure
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.lanes import Lane
from gateways.sms.routed import RoutedProvider
from notifier.metrics import Metrics
from tests.support import MovableClock
from tests.unit.test_routing import ROUTES, Scripted, sms


def routed(clock: MovableClock, metrics: Metrics, *providers: Scripted) -> RoutedProvider:
    lanes = {
        p.name: Lane(p, CircuitBreaker(clock, threshold=2, cool_down=timedelta(seconds=30)),
                     asyncio.Semaphore(4))
        for p in providers
    }  # fmt: skip
    return RoutedProvider(lanes, ROUTES, observer=metrics)


def errors(metrics: Metrics, provider: str, error_class: str) -> float | None:
    labels = {"provider": provider, "class": error_class}
    return metrics.registry.get_sample_value("notifier_sms_provider_errors_total", labels)


def submits(metrics: Metrics, provider: str) -> float | None:
    labels = {"provider": provider}
    return metrics.registry.get_sample_value("notifier_sms_submit_seconds_count", labels)


async def test_failures_are_counted_by_class_and_the_open_breaker_shows() -> None:
    clock, metrics = MovableClock(), Metrics()
    smpp, mobizon = Scripted("smpp", "temporary", "temporary"), Scripted("mobizon")
    provider = routed(clock, metrics, smpp, mobizon)

    assert (await provider.send(sms(reference="n1"))).provider == "mobizon"
    assert (await provider.send(sms(reference="n2"))).provider == "mobizon"

    assert errors(metrics, "smpp", "retryable") == 2
    assert submits(metrics, "mobizon") == 2
    assert provider.states() == {"smpp": "open", "mobizon": "closed"}
    clock.advance(timedelta(seconds=31))
    assert provider.states()["smpp"] == "half_open"


async def test_a_rejection_is_permanent_and_a_lost_answer_is_in_doubt() -> None:
    metrics = Metrics()
    provider = routed(MovableClock(), metrics, Scripted("smpp", "rejected", "in_doubt"))

    with pytest.raises(SmsRejected):
        await provider.send(sms(reference="n1"))
    with pytest.raises(SmsInDoubt):
        await provider.send(sms(reference="n2"))

    assert errors(metrics, "smpp", "permanent") == 1
    assert errors(metrics, "smpp", "in_doubt") == 1
    assert submits(metrics, "smpp") == 1  # no answer, no latency


async def test_a_send_refused_before_the_provider_saw_it_counts_nothing() -> None:
    metrics = Metrics()
    smpp = Scripted("smpp")
    provider = routed(MovableClock(), metrics, smpp)
    provider.lanes["smpp"].in_flight = asyncio.Semaphore(0)
    provider.lanes["smpp"].max_wait = 0.01

    with pytest.raises(SmsTemporaryFailure, match="too many submits in flight"):
        await provider.send(sms())

    assert smpp.calls == 0
    assert errors(metrics, "smpp", "retryable") is None
    assert provider.states() == {"smpp": "closed"}
