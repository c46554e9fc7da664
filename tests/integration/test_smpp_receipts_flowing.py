"""The SMPP provider against an SMSC written from the protocol (tests/fakes/smsc_peer.py)
that sends a delivery receipt for every part it accepts, as operators' SMSCs do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from gateways.sms import OutgoingSms, SmsProvider
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.lanes import Lane
from gateways.sms.reports import Report
from gateways.sms.routed import RoutedProvider
from gateways.sms.routing import validate_routes
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.smsc_peer import SmscPeer
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)

WINDOW = 100  # the dispatcher's default number of sends in flight


def sms(i: int) -> OutgoingSms:
    return OutgoingSms(
        reference=f"n{i}", phone="+77011234567", body="Homework: p. 42", parts=1,
        encoding="GSM-7", price=20_00, currency="KZT", sender="eMektep",
    )  # fmt: skip


class SlowSink(list[Report]):
    """Records receipts as the service does: each takes database round trips."""

    async def __call__(self, report: Report) -> None:
        await asyncio.sleep(0.003)
        self.append(report)


def routed(provider: SmsProvider, clock: MovableClock) -> RoutedProvider:
    breaker = CircuitBreaker(clock, threshold=5, cool_down=timedelta(seconds=30))
    lane = Lane(provider, breaker, asyncio.Semaphore(WINDOW), max_wait=60)
    return RoutedProvider({"smpp": lane}, validate_routes({"*": ["smpp"]}, ["smpp"]))


@pytest.fixture
async def receipts() -> SlowSink:
    return SlowSink()


@pytest.fixture
async def smpp(smsc_peer: SmscPeer, receipts: SlowSink) -> AsyncIterator[SmppProvider]:
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret", window=WINDOW)
    provider = SmppProvider(config, on_report=receipts, clock=MovableClock())
    yield provider
    await provider.close()


async def test_a_burst_at_full_window_is_answered_whole_while_receipts_flow(
    smsc_peer: SmscPeer, smpp: SmppProvider, receipts: SlowSink
) -> None:
    smsc_peer.receipts = "DELIVRD"  # right after each submit_sm_resp
    clock = MovableClock()
    provider = routed(smpp, clock)
    results = await asyncio.gather(
        *(provider.send(sms(i)) for i in range(2_000)), return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []  # every submit answered: none in doubt, none spilled elsewhere
    assert provider.states() == {"smpp": "closed"}
    assert smsc_peer.garbled == 0  # the SMSC never lost the link's framing
    assert smsc_peer.binds == 1

    async def all_recorded() -> bool:
        return len(receipts) == 2_000

    assert await wait_for(all_recorded, timeout=60)
    assert smsc_peer.receipts_refused == 0
    assert {r.status for r in receipts} == {"delivered"}
