"""The SMPP provider against an SMSC written from the protocol (tests/fakes/smsc_peer.py):
a dropped link, a refused bind, receipts written in either base, an EXPIRED receipt and
ESME_RSYSERR - what each means for the dispatcher, and what the log says."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from gateways.sms import OutgoingSms, SmsInDoubt, SmsTemporaryFailure
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.lanes import Lane
from gateways.sms.reports import Report
from gateways.sms.routed import RoutedProvider
from gateways.sms.routing import validate_routes
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_receipts import IdBase
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.smsc_peer import SmscPeer
from tests.integration.test_dispatcher import T0, _dispatcher, _queue_one
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)


def sms(reference: str = "n1") -> OutgoingSms:
    return OutgoingSms(
        reference=reference, phone="+77011234567", body="Homework: p. 42", parts=1,
        encoding="GSM-7", price=20_00, currency="KZT", sender="eMektep",
    )  # fmt: skip


class Reports(list[Report]):
    async def __call__(self, report: Report) -> None:
        self.append(report)


@pytest.fixture
def reports() -> Reports:
    return Reports()


@pytest.fixture
async def smpp(smsc_peer: SmscPeer, reports: Reports) -> AsyncIterator[SmppProvider]:
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret", submit_timeout=3)
    provider = SmppProvider(config, on_report=reports, clock=MovableClock())
    yield provider
    await provider.close()


async def test_a_link_dropped_under_a_submit_is_logged_as_a_drop_not_an_smsc_error(
    pool: asyncpg.Pool, smsc_peer: SmscPeer, smpp: SmppProvider, caplog: pytest.LogCaptureFixture
) -> None:
    clock = MovableClock(T0)
    await _queue_one(pool, clock)
    smsc_peer.script = ["silent"]
    dispatching = asyncio.create_task(_dispatcher(pool, smpp, clock).dispatch_once())

    async def submitted() -> bool:
        return len(smsc_peer.submitted) == 1

    assert await wait_for(submitted, 5)
    smsc_peer.drop_links()
    with caplog.at_level(logging.WARNING):
        await dispatching
    [line] = [r.getMessage() for r in caplog.records if r.name == "notifier.outbox.dispatcher"]
    assert line.endswith("in_doubt: SmsInDoubt: SMSC link dropped before the submit was answered")
    assert "ESME_RSYSERR" not in line  # the SMSC never said that


async def test_a_refused_bind_is_named_backs_off_and_opens_the_breaker(
    smsc_peer: SmscPeer,
) -> None:
    clock = MovableClock()
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "wrong", connect_timeout=0.5)
    smpp = SmppProvider(config, clock=clock)
    breaker = CircuitBreaker(clock, threshold=3, cool_down=timedelta(seconds=30))
    lane = Lane(smpp, breaker, asyncio.Semaphore(10))
    routed = RoutedProvider({"smpp": lane}, validate_routes({"*": ["smpp"]}, ["smpp"]))
    try:
        with pytest.raises(SmsTemporaryFailure, match="check SMPP_SYSTEM_ID / SMPP_PASSWORD"):
            await routed.send(sms())
        for n in range(5):
            with pytest.raises(SmsTemporaryFailure):
                await routed.send(sms(f"n{n}"))
        assert smsc_peer.refused_binds == 1  # no re-bind before the backoff has passed
        assert routed.states() == {"smpp": "open"}
        clock.advance(timedelta(seconds=31))
        with pytest.raises(SmsTemporaryFailure, match="check SMPP_SYSTEM_ID"):
            await routed.send(sms("again"))  # the trial after the cool-down binds again
        assert smsc_peer.refused_binds == 2
    finally:
        await smpp.close()


@pytest.mark.parametrize(
    ("answered", "written", "receipt_ids"),
    [
        ("hex", "hex", "same"),
        ("decimal", "decimal", "same"),
        ("hex", "decimal", "decimal_of_hex"),
        ("decimal", "hex", "hex_of_decimal"),
    ],
)
async def test_a_receipt_id_in_the_configured_base_reaches_the_message(
    smsc_peer: SmscPeer, reports: Reports, answered: str, written: str, receipt_ids: IdBase
) -> None:
    smsc_peer.receipts = "DELIVRD"
    smsc_peer.answer_ids, smsc_peer.receipt_ids = answered, written  # type: ignore[assignment]
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret", receipt_ids=receipt_ids)
    smpp = SmppProvider(config, on_report=reports)
    try:
        result = await smpp.send(sms())
        assert await _arrived(reports)
    finally:
        await smpp.close()
    assert [(r.provider_message_id, r.status) for r in reports] == [
        (result.provider_message_id, "delivered")
    ]


async def test_an_expired_receipt_reports_the_message_expired(
    smsc_peer: SmscPeer, smpp: SmppProvider, reports: Reports
) -> None:
    smsc_peer.receipts = "EXPIRED"
    result = await smpp.send(sms())
    assert await _arrived(reports)
    assert [(r.provider_message_id, r.status) for r in reports] == [
        (result.provider_message_id, "expired")
    ]


async def test_esme_rsyserr_is_a_refusal_the_dispatcher_may_retry_or_fail_over(
    smsc_peer: SmscPeer, smpp: SmppProvider
) -> None:
    smsc_peer.script = ["syserr"]
    with pytest.raises(SmsTemporaryFailure, match="0x00000008") as caught:
        await smpp.send(sms())
    assert not isinstance(caught.value, SmsInDoubt)  # it answered: it has nothing
    await smpp.send(sms("n2"))  # and the link is still good


async def _arrived(reports: Reports) -> bool:
    async def one() -> bool:
        return len(reports) >= 1

    return await wait_for(one, 5)
