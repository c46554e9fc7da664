"""Queueing writes its outbox rows before it locks any wallet, priced from the wallets as
they were; what a transaction holding a wallet changed meanwhile is decided again under the
lock. Money held is always what the wallet affords when the hold is placed."""

from __future__ import annotations

import asyncio

import asyncpg

from billing.holds import place_hold
from billing.ledger import wallet_balance
from notifier.outbox.enqueue import enqueue_paid
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.money_support import T0, TTL, TWO_PARTS, roster, sms, top_up
from tests.support import wait_for


async def _enqueue_while(pool: asyncpg.Pool, parent: str, sub: int, change: str) -> None:
    """Queue one SMS to `parent` while another transaction, holding the wallet, `change`s it
    (a top-up, or a hold spending it all) and commits only once the queueing waits for it."""
    async with pool.acquire() as other, other.transaction():
        await other.execute(
            "SELECT 1 FROM ledger_accounts WHERE owner = $1 FOR NO KEY UPDATE", parent
        )
        if change == "top-up":
            await top_up(other, parent, 100_00)
        else:
            await place_hold(other, parent, 100_00, reference="elsewhere", expires_at=T0 + TTL)

        async def enqueue() -> None:
            async with pool.acquire() as conn, conn.transaction():
                await enqueue_paid(conn, [sms(parent, sub, TWO_PARTS)], now=T0, hold_ttl=TTL)

        queueing = asyncio.create_task(enqueue())

        async def waits() -> bool:
            return bool(await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            ))  # fmt: skip

        assert await wait_for(waits, 20), "queueing never waited for the wallet"
    await queueing


async def _sms_state(pool: asyncpg.Pool, parent: str) -> tuple[str, bool, int, int]:
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)
        row = await conn.fetchrow(
            "SELECT n.status, q.notification_id IS NOT NULL AS waiting FROM notifications n"
            " LEFT JOIN outbox_queue q ON q.notification_id = n.id WHERE n.parent_id = $1",
            parent,
        )
        wallet = await wallet_balance(conn, parent)
    assert row is not None
    assert wallet is not None
    return row["status"], row["waiting"], wallet.posted, wallet.held


async def test_money_that_arrives_while_the_batch_waits_for_the_wallet_pays_for_the_sms(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["late"])
        await top_up(conn, "late", 10_00)  # short of 40.00 when the rows are written
    await _enqueue_while(pool, "late", subs["late"], "top-up")
    assert await _sms_state(pool, "late") == ("queued", True, 110_00, 40_00)


async def test_money_spent_while_the_batch_waits_for_the_wallet_is_not_held_twice(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["spent"])
        await top_up(conn, "spent", 100_00)  # enough when the rows are written
    await _enqueue_while(pool, "spent", subs["spent"], "hold")
    assert await _sms_state(pool, "spent") == ("skipped_insufficient_funds", False, 100_00, 100_00)
