"""Routing, failover, breaker and rate limit, with scripted providers standing in for real ones.

The scripted providers are fakes of third-party gateways (they follow the SmsProvider
contract); everything under test is our real routing code.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gateways.sms import OutgoingSms, SendResult, SmsInDoubt, SmsRejected, SmsTemporaryFailure
from gateways.sms.base import LookupUnsupported
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.lanes import Lane
from gateways.sms.ratelimit import TokenBucket
from gateways.sms.routed import RoutedProvider
from gateways.sms.routing import InvalidRoutes, route_for, validate_routes
from tests.support import MovableClock

ROUTES = {"+77": ["smpp", "mobizon"], "+996": ["nikita"], "*": ["dev"]}


class Scripted:
    """A provider that answers from a script: "ok", "temporary", "rejected", "in_doubt"."""

    def __init__(self, name: str, *script: str, has: str | None = None) -> None:
        self.name, self.script, self.calls, self.has = name, list(script), 0, has
        self.in_flight = self.max_in_flight = 0

    async def send(self, sms: OutgoingSms) -> SendResult:
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        answer = self.script.pop(0) if self.script else "ok"
        errors = {"temporary": SmsTemporaryFailure, "rejected": SmsRejected,
                  "in_doubt": SmsInDoubt}  # fmt: skip
        if answer in errors:
            raise errors[answer](answer, provider=self.name)
        return SendResult(f"{self.name}-{sms.reference}")

    async def lookup(self, reference: str) -> SendResult | None:
        if self.has == "unsupported":
            raise LookupUnsupported("no", provider=self.name)
        return SendResult(f"{self.name}-{reference}") if self.has == reference else None

    async def close(self) -> None:
        return None


def sms(phone: str = "+77011234567", reference: str = "n1") -> OutgoingSms:
    return OutgoingSms(reference, phone, "hi", 1, "GSM-7", 20_00, "KZT", "eMektep")


def routed(clock: MovableClock, *providers: Scripted, in_flight: int = 4) -> RoutedProvider:
    lanes = {
        p.name: Lane(p, CircuitBreaker(clock, threshold=2, cool_down=timedelta(seconds=30)),
                     asyncio.Semaphore(in_flight))
        for p in providers
    }  # fmt: skip
    return RoutedProvider(lanes, ROUTES)


def test_the_longest_prefix_wins_and_star_is_the_default() -> None:
    assert route_for(ROUTES, "+77011234567") == ["smpp", "mobizon"]
    assert route_for(ROUTES, "+996555123456") == ["nikita"]
    assert route_for(ROUTES, "+14155550100") == ["dev"]
    assert route_for({"+7": ["a"], "+77": ["b"]}, "+77011234567") == ["b"]


def test_routes_naming_an_unconfigured_provider_are_refused() -> None:
    with pytest.raises(InvalidRoutes, match="mobizon not configured"):
        validate_routes(ROUTES, ["smpp", "nikita", "dev"])
    with pytest.raises(InvalidRoutes, match="prefix"):
        validate_routes({"77": ["smpp"]}, ["smpp"])


async def test_a_temporary_refusal_fails_over_and_the_result_names_who_accepted() -> None:
    smpp, mobizon = Scripted("smpp", "temporary"), Scripted("mobizon")
    result = await routed(MovableClock(), smpp, mobizon).send(sms())
    assert (result.provider, result.provider_message_id) == ("mobizon", "mobizon-n1")


@pytest.mark.parametrize("answer", ["rejected", "in_doubt"])
async def test_a_rejected_or_maybe_accepted_message_never_reaches_a_second_provider(
    answer: str,
) -> None:
    smpp, mobizon = Scripted("smpp", answer), Scripted("mobizon")
    with pytest.raises((SmsRejected, SmsInDoubt)) as caught:
        await routed(MovableClock(), smpp, mobizon).send(sms())
    assert caught.value.provider == "smpp"  # where an in-doubt lookup must go
    assert mobizon.calls == 0


async def test_when_every_provider_refuses_the_message_is_retried_later() -> None:
    providers = Scripted("smpp", "temporary"), Scripted("mobizon", "temporary")
    with pytest.raises(SmsTemporaryFailure, match="smpp: temporary; mobizon: temporary"):
        await routed(MovableClock(), *providers).send(sms())


async def test_a_number_without_a_route_is_rejected() -> None:
    with pytest.raises(SmsRejected, match="no SMS route"):
        await routed(MovableClock(), Scripted("smpp")).send(sms("+14155550100"))


async def test_an_open_breaker_skips_the_provider_until_its_cool_down_has_passed() -> None:
    clock = MovableClock()
    smpp, mobizon = Scripted("smpp", "temporary", "temporary"), Scripted("mobizon")
    router = routed(clock, smpp, mobizon)
    for n in range(4):
        await router.send(sms(reference=f"n{n}"))
    assert smpp.calls == 2  # opened after two refusals; the next two went straight on
    clock.advance(timedelta(seconds=31))
    result = await router.send(sms(reference="n9"))  # the half-open trial succeeds
    assert result.provider == "smpp"
    assert router.lanes["smpp"].breaker.state == "closed"


def test_a_failed_half_open_trial_opens_the_breaker_again() -> None:
    clock = MovableClock()
    breaker = CircuitBreaker(clock, threshold=1, cool_down=timedelta(seconds=10))
    breaker.failed()
    assert not breaker.allows()
    clock.advance(timedelta(seconds=10))
    assert breaker.allows()
    assert not breaker.allows()  # one trial at a time
    breaker.failed()
    assert breaker.state == "open"


def test_the_token_bucket_spaces_sends_after_a_burst() -> None:
    clock = MovableClock()
    bucket = TokenBucket(clock, rate=2, burst=2)
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    clock.advance(timedelta(seconds=2))
    assert bucket.reserve() == 0.0


async def test_submits_in_flight_per_provider_are_bounded() -> None:
    smpp = Scripted("smpp")
    router = routed(MovableClock(), smpp, in_flight=3)
    await asyncio.gather(*(router.send(sms(reference=f"n{i}")) for i in range(12)))
    assert smpp.max_in_flight == 3


async def test_the_rate_limit_makes_a_send_wait_for_its_token() -> None:
    clock, waited = MovableClock(), []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    lane = Lane(Scripted("smpp"), CircuitBreaker(clock, cool_down=timedelta(seconds=1)),
                asyncio.Semaphore(1), TokenBucket(clock, rate=10))  # fmt: skip
    router = RoutedProvider({"smpp": lane}, {"*": ["smpp"]}, sleep=sleep)
    for n in range(3):
        await router.send(sms(reference=f"n{n}"))
    assert waited == pytest.approx([0.1, 0.2])


async def test_lookup_finds_the_provider_that_has_it_or_says_it_cannot_tell() -> None:
    clock = MovableClock()
    router = routed(clock, Scripted("smpp"), Scripted("mobizon", has="n7"))
    found = await router.lookup("n7")
    assert found is not None
    assert found.provider == "mobizon"
    assert await router.lookup("n8") is None
    unsure = routed(clock, Scripted("smpp", has="unsupported"), Scripted("mobizon"))
    with pytest.raises(LookupUnsupported):
        await unsure.lookup("n8")


async def test_an_in_doubt_send_is_looked_up_only_where_it_went() -> None:
    clock = MovableClock()
    smpp, nikita = Scripted("smpp", has="unsupported"), Scripted("nikita", "in_doubt")
    router = RoutedProvider(
        {p.name: Lane(p, CircuitBreaker(clock, cool_down=timedelta(seconds=1)),
                      asyncio.Semaphore(1)) for p in (smpp, nikita)},
        {"+996": ["nikita"], "*": ["smpp"]},
    )  # fmt: skip
    with pytest.raises(SmsInDoubt):
        await router.send(sms("+996555123456", reference="n5"))
    assert await router.lookup("n5") is None  # Nikita says no; SMPP is never asked


async def test_a_provider_with_no_slot_soon_is_skipped_without_blaming_it() -> None:
    clock = MovableClock()
    smpp, mobizon = Scripted("smpp"), Scripted("mobizon")
    breaker = CircuitBreaker(clock, threshold=1, cool_down=timedelta(seconds=30))
    lanes = {
        "smpp": Lane(smpp, breaker, asyncio.Semaphore(4), TokenBucket(clock, rate=0.1),
                     max_wait=2.0),
        "mobizon": Lane(mobizon, CircuitBreaker(clock, cool_down=timedelta(seconds=1)),
                        asyncio.Semaphore(4)),
    }  # fmt: skip
    router = RoutedProvider(lanes, ROUTES)
    assert (await router.send(sms(reference="n1"))).provider == "smpp"
    assert (await router.send(sms(reference="n2"))).provider == "mobizon"  # next slot in 10 s
    assert breaker.state == "closed"
    assert smpp.calls == 1


async def test_a_send_cancelled_by_the_callers_timeout_is_looked_up_where_it_went() -> None:
    clock = MovableClock()

    class Slow(Scripted):
        async def send(self, sms: OutgoingSms) -> SendResult:
            await asyncio.sleep(10)
            raise AssertionError("never answers")

    smpp, nikita = Scripted("smpp", has="unsupported"), Slow("nikita", has="n6")
    router = RoutedProvider(
        {p.name: Lane(p, CircuitBreaker(clock, cool_down=timedelta(seconds=1)),
                      asyncio.Semaphore(1)) for p in (smpp, nikita)},
        {"+996": ["nikita"], "*": ["smpp"]},
    )  # fmt: skip
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(router.send(sms("+996555123456", reference="n6")), 0.05)
    found = await router.lookup("n6")
    assert found is not None
    assert found.provider == "nikita"


async def test_a_resend_after_an_in_doubt_goes_only_to_the_provider_that_may_have_it() -> None:
    smpp, mobizon = Scripted("smpp", "in_doubt", "temporary"), Scripted("mobizon")
    router = routed(MovableClock(), smpp, mobizon)
    with pytest.raises(SmsInDoubt):
        await router.send(sms(reference="n3"))
    with pytest.raises(SmsTemporaryFailure):
        await router.send(sms(reference="n3"))  # smpp refuses now: still no failover
    assert mobizon.calls == 0
    # smpp's breaker is open now: other messages fail over, the in-doubt one still waits
    assert (await router.send(sms(reference="n4"))).provider == "mobizon"
    with pytest.raises(SmsTemporaryFailure, match="circuit open"):
        await router.send(sms(reference="n3"))


async def test_a_send_pinned_to_a_provider_waits_for_it_and_never_fails_over() -> None:
    clock = MovableClock()
    smpp, mobizon = Scripted("smpp"), Scripted("mobizon", "temporary", "temporary")
    router = routed(clock, smpp, mobizon)  # fresh (a restart): nothing remembered about n3
    for _ in range(2):
        with pytest.raises(SmsTemporaryFailure):
            await router.send_at("mobizon", sms(reference="n3"))  # what the outbox row says
    with pytest.raises(SmsTemporaryFailure, match="circuit open"):
        await router.send_at("mobizon", sms(reference="n3"))
    assert (smpp.calls, mobizon.calls) == (0, 2)  # smpp, first on the route, never tried
    clock.advance(timedelta(seconds=31))
    assert (await router.send_at("mobizon", sms(reference="n3"))).provider == "mobizon"


async def test_a_provider_no_longer_configured_is_neither_asked_nor_replaced() -> None:
    smpp = Scripted("smpp", has="n4")
    router = routed(MovableClock(), smpp)
    with pytest.raises(LookupUnsupported, match="not configured"):
        await router.lookup_at("mobizon", "n4")
    with pytest.raises(SmsRejected, match="not configured"):
        await router.send_at("mobizon", sms(reference="n4"))
    assert smpp.calls == 0
