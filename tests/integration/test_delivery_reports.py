"""Delivery reports: an undeliverable SMS is refunded once (by default), a delivered one is
not, and reports about messages we never sent are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from billing.ledger import wallet_balance
from notifier.outbox.delivery import UndeliverablePolicy, apply_delivery_report
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.test_dispatcher import T0, ScriptedProvider, _dispatcher, _queue_one
from tests.support import MovableClock

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


async def test_an_undeliverable_sms_is_refunded_once(pool: asyncpg.Pool) -> None:
    await _sent_sms(pool)
    assert await _posted(pool) == 60_00
    assert await _report(pool, "undeliverable") == "refunded"
    assert await _report(pool, "undeliverable") == "duplicate"
    assert await _posted(pool) == 100_00
    status = await pool.fetchval("SELECT delivery_status FROM notifications")
    assert status == "undeliverable"


async def test_a_delivered_sms_stays_charged(pool: asyncpg.Pool) -> None:
    await _sent_sms(pool)
    assert await _report(pool, "delivered") == "recorded"
    assert await _report(pool, "undeliverable") == "duplicate"  # the first report counts
    assert await _posted(pool) == 60_00


async def test_the_keep_policy_keeps_the_charge(pool: asyncpg.Pool) -> None:
    await _sent_sms(pool)
    assert await _report(pool, "undeliverable", policy="keep") == "recorded"
    assert await _posted(pool) == 60_00


@pytest.mark.parametrize("status", ["delivered", "undeliverable"])
async def test_a_report_about_an_unknown_message_changes_nothing(
    pool: asyncpg.Pool, status: str
) -> None:
    assert await _report(pool, status) == "unknown_message"
