"""Delivery reports: an SMS that never reached the phone (undeliverable, expired, failed) keeps
that status and is refunded once (by default), a delivered one is not, a long SMS one of
whose parts failed stays failed, and reports about messages we never sent are refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from billing.ledger import wallet_balance
from billing.types import Conn
from gateways.sms.reports import Report
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from notifier.outbox import reports
from notifier.outbox.delivery import UndeliverablePolicy, apply_delivery_report
from notifier.outbox.parts import PgParts
from notifier.outbox.reports import report_sink
from tests.fakes.smsc import FakeSmsc
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.test_dispatcher import T0, ScriptedProvider, _dispatcher, _queue_one
from tests.integration.test_sms_parts import LONG
from tests.support import MovableClock, wait_for

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _sent_sms(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    await _queue_one(pool, clock, price=40_00)
    await _dispatcher(pool, ScriptedProvider("ok"), clock).dispatch_once()


async def _report(pool: asyncpg.Pool, status: str, policy: UndeliverablePolicy = "refund") -> str:
    async with pool.acquire() as conn, conn.transaction():
        return await apply_delivery_report(
            conn, provider="scripted", provider_message_id="p-1", status=status,  # type: ignore[arg-type]
            detail="absent subscriber", at=AT, policy=policy,
        )  # fmt: skip


async def _posted(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)
        bal = await wallet_balance(conn, "par")
    assert bal is not None
    return bal.posted


@pytest.mark.parametrize("status", ["undeliverable", "expired", "failed"])
async def test_an_sms_that_never_reached_the_phone_keeps_its_status_and_is_refunded_once(
    pool: asyncpg.Pool, status: str
) -> None:
    await _sent_sms(pool)
    assert await _posted(pool) == 60_00
    assert await _report(pool, status) == "refunded"
    assert await _report(pool, status) == "duplicate"
    assert await _report(pool, "delivered") == "duplicate"  # the first report counts
    assert await _posted(pool) == 100_00
    row = await pool.fetchrow("SELECT delivery_status, delivery_reported_at FROM notifications")
    assert row is not None
    assert (row["delivery_status"], row["delivery_reported_at"]) == (status, AT)


async def test_a_delivered_sms_stays_charged(pool: asyncpg.Pool) -> None:
    await _sent_sms(pool)
    assert await _report(pool, "delivered") == "recorded"
    assert await _report(pool, "undeliverable") == "duplicate"  # the first report counts
    assert await _posted(pool) == 60_00


@pytest.mark.parametrize("status", ["undeliverable", "expired", "failed"])
async def test_the_keep_policy_keeps_the_charge(pool: asyncpg.Pool, status: str) -> None:
    await _sent_sms(pool)
    assert await _report(pool, status, policy="keep") == "recorded"
    assert await _posted(pool) == 60_00


@pytest.mark.parametrize("status", ["delivered", "undeliverable"])
async def test_a_report_about_an_unknown_message_changes_nothing(
    pool: asyncpg.Pool, status: str
) -> None:
    assert await _report(pool, status) == "unknown_message"


async def test_a_long_sms_whose_first_part_expired_stays_expired_when_the_next_is_delivered(
    pool: asyncpg.Pool,
) -> None:
    smsc, clock = FakeSmsc(), MovableClock(T0)
    await smsc.start()
    nid = await _queue_one(pool, clock, price=40_00)
    await pool.execute("UPDATE notifications SET body = $2 WHERE id = $1", nid, LONG)
    config = SmppConfig("127.0.0.1", smsc.port, "school", "pw")
    smpp = SmppProvider(config, on_report=report_sink(pool, policy="refund"), parts=PgParts(pool))
    try:
        await _dispatcher(pool, smpp, clock).dispatch_once()
        first, second = (p.message_id for p in smsc.submitted)
        assert first is not None
        assert second is not None
        await smsc.receipt(first, "EXPIRED")
        await smsc.receipt(second, "DELIVRD")

        async def reported() -> bool:
            return await pool.fetchval("SELECT delivery_status FROM notifications") is not None

        assert await wait_for(reported, 5)
        await asyncio.sleep(0.2)  # the second part's receipt is judged too, and changes nothing
    finally:
        await smpp.close()
        await smsc.stop()
    assert await pool.fetchval("SELECT delivery_status FROM notifications") == "expired"
    assert await _posted(pool) == 100_00


async def test_a_report_whose_transaction_gave_way_in_a_deadlock_is_recorded_on_the_retry(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refund runs in the report's transaction; PostgreSQL may pick it to break a
    deadlock with the dispatcher's settle. It runs again: refunded once, not refused."""
    await _sent_sms(pool)
    calls: list[int] = []

    async def deadlocked_once(conn: Conn, **report: Any) -> str:
        calls.append(1)
        outcome = await apply_delivery_report(conn, **report)  # its writes are rolled back
        if len(calls) == 1:
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        return outcome

    monkeypatch.setattr(reports, "apply_delivery_report", deadlocked_once)
    report = Report("scripted", "p-1", "undeliverable", AT, "absent subscriber")

    assert await reports.record_report(pool, report, policy="refund") == "refunded"
    assert len(calls) == 2
    assert await _posted(pool) == 100_00


class _SettledMidway:
    """The report's connection, with the dispatcher's settlement of the message committing
    right after the report's first UPDATE looked (and found nothing to update)."""

    def __init__(self, conn: asyncpg.Connection, settlement: asyncpg.Connection) -> None:
        self._conn, self._settlement = conn, settlement

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def fetchval(self, query: str, *args: Any) -> Any:
        if self._settlement.is_in_transaction():
            await self._settlement.execute("COMMIT")
        return await self._conn.fetchval(query, *args)


async def test_a_receipt_racing_the_settlement_that_records_its_message_is_recorded(
    pool: asyncpg.Pool,
) -> None:
    """An SMSC's receipt may come while the batch that sent the SMS is being settled. If the
    settlement commits the message id between the report's UPDATE and its next look, the
    report is the message's first: recorded, never taken for a duplicate and dropped."""
    await _sent_sms(pool)
    await pool.execute("UPDATE notifications SET provider_message_id = NULL")  # not settled yet
    async with pool.acquire() as settlement, pool.acquire() as conn:
        await settlement.execute("BEGIN")
        await settlement.execute("UPDATE notifications SET provider_message_id = 'p-1'")
        async with conn.transaction():
            outcome = await asyncio.wait_for(apply_delivery_report(
                _SettledMidway(conn, settlement), provider="scripted", provider_message_id="p-1",
                status="undeliverable", detail="absent subscriber", at=AT, policy="refund",
            ), 10)  # fmt: skip
        assert not settlement.is_in_transaction()  # the race happened as described
    assert outcome == "refunded"
    assert await pool.fetchval("SELECT delivery_status FROM notifications") == "undeliverable"
    assert await _posted(pool) == 100_00
    assert await _report(pool, "delivered") == "duplicate"  # and it stays the first


async def test_a_report_months_after_its_sms_is_still_recorded_and_refunded(
    pool: asyncpg.Pool,
) -> None:
    """Reports are looked for among the last month's SMS first, then in every month kept."""
    await _sent_sms(pool)
    await pool.execute("UPDATE notifications SET created_at = created_at - interval '150 days'")
    assert await _report(pool, "undeliverable") == "refunded"
    assert await _report(pool, "undeliverable") == "duplicate"
    assert await _posted(pool) == 100_00
