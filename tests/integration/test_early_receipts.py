"""A receipt that overtakes the dispatcher (it arrives before the batch that submitted the SMS
recorded the SMSC's message id) is kept and applied when the id is recorded: the SMS ends
delivered, or undeliverable and refunded, as README's "What happened to an SMS" says."""

from __future__ import annotations

import asyncpg
import pytest

from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from notifier.metrics import Metrics
from notifier.outbox.parts import PgParts
from notifier.outbox.reports import report_sink
from tests.fakes.smsc_peer import SmscPeer
from tests.integration.test_delivery_reports import _posted
from tests.integration.test_dispatcher import T0, _dispatcher, _queue_one
from tests.integration.test_sms_parts import LONG
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)


@pytest.mark.parametrize(
    ("stat", "status", "posted"),
    [
        ("DELIVRD", "delivered", 60_00),
        ("UNDELIV", "undeliverable", 100_00),
        ("EXPIRED", "expired", 100_00),
    ],
)
async def test_a_receipt_before_the_submit_answer_is_applied_once_the_id_is_recorded(
    pool: asyncpg.Pool, smsc_peer: SmscPeer, stat: str, status: str, posted: int
) -> None:
    smsc_peer.receipts, smsc_peer.receipt_first, smsc_peer.answer_delay = stat, True, 1.0
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock, price=40_00)
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret")
    metrics = Metrics()
    sink = report_sink(pool, policy="refund", metrics=metrics)
    smpp = SmppProvider(config, on_report=sink, parts=PgParts(pool), name="scripted")
    try:
        await _dispatcher(pool, smpp, clock).dispatch_once()

        async def reported() -> bool:
            found = await pool.fetchval(
                "SELECT delivery_status FROM notifications WHERE id = $1", nid
            )
            return found is not None

        assert await wait_for(reported, 10)
    finally:
        await smpp.close()
    labels = {"provider": "scripted", "outcome": "kept_early"}
    kept = metrics.registry.get_sample_value("notifier_sms_receipts_total", labels)
    assert kept == 1  # ops see that it came early
    row = await pool.fetchrow("SELECT status, delivery_status FROM notifications")
    assert row is not None
    assert (row["status"], row["delivery_status"]) == ("sent", status)
    assert await _posted(pool) == posted  # charged, or charged and refunded once
    assert await pool.fetchval("SELECT count(*) FROM early_reports") == 0


async def test_a_long_sms_whose_parts_receipts_come_before_it_is_recorded_ends_as_its_parts_say(
    pool: asyncpg.Pool, smsc_peer: SmscPeer
) -> None:
    smsc_peer.receipts = "DELIVRD"  # each part's receipt right after that part's answer
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock, price=40_00)
    await pool.execute("UPDATE notifications SET body = $2 WHERE id = $1", nid, LONG)
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret")
    sink = report_sink(pool, policy="refund")
    smpp = SmppProvider(config, on_report=sink, parts=PgParts(pool), name="scripted")
    try:
        await _dispatcher(pool, smpp, clock).dispatch_once()

        async def reported() -> bool:
            found = await pool.fetchval(
                "SELECT delivery_status FROM notifications WHERE id = $1", nid
            )
            return found is not None

        assert await wait_for(reported, 10)
    finally:
        await smpp.close()
    assert len(smsc_peer.submitted) == 2
    assert await pool.fetchval("SELECT delivery_status FROM notifications") == "delivered"
    assert await _posted(pool) == 60_00
    assert await pool.fetchval("SELECT count(*) FROM early_reports") == 0  # nothing left over
