"""The outbox and the ledger's entries partitioned by month, on real PostgreSQL: rows land in
their month, an SMS stays exactly-once across months, wallets still follow their entries."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp import web

from billing.ledger import wallet_balance
from notifier import keys
from notifier.jobs import JOBS
from notifier.outbox.enqueue import enqueue_paid
from notifier.retention.partitions import create_partitions
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.money_support import ONE_PART, T0, TTL, roster, sms, top_up
from tests.support import MovableClock


async def _insert_sms(conn: asyncpg.Connection, created_at: datetime) -> int:
    return await conn.fetchval(
        "INSERT INTO notifications (event_id, parent_id, kind, phone, body, encoding, parts,"
        " price, status, created_at) VALUES ($1, 'p', 'verification', '+77010000000', 'x',"
        " 'GSM-7', 1, 0, 'sent', $2) RETURNING id",
        uuid.uuid4(), created_at,
    )  # fmt: skip


async def _partition(conn: asyncpg.Connection, id_: int) -> str:
    return await conn.fetchval(
        "SELECT tableoid::regclass::text FROM notifications WHERE id = $1", id_
    )


async def test_an_sms_lands_in_its_months_partition_and_a_month_made_late_takes_its_rows(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        this_month = await _insert_sms(conn, now)
        far = await _insert_sms(conn, datetime(2031, 3, 5, tzinfo=UTC))
        assert await _partition(conn, this_month) == (f"notifications_{now:%Y_%m}")
        assert await _partition(conn, far) == "notifications_default"
        # The job makes the month later: the row moves out of DEFAULT, nothing is lost.
        assert await create_partitions(conn, datetime(2031, 3, 1, tzinfo=UTC), 1) == 2
        assert await _partition(conn, far) == "notifications_2031_03"
        assert await create_partitions(conn, datetime(2031, 3, 1, tzinfo=UTC), 1) == 0


async def test_the_job_keeps_three_months_ahead_for_both_tables(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await create_partitions(conn, datetime(2032, 11, 10, tzinfo=UTC))
        names = {
            r[0]
            for r in await conn.fetch(
                "SELECT relname FROM pg_class WHERE relname ~ '_20(32_1[12]|33_01)$'"
            )
        }
    assert names == {
        f"{t}_{m}" for t in ("notifications", "ledger_entries")
        for m in ("2032_11", "2032_12", "2033_01")
    }  # fmt: skip


async def test_the_scheduled_job_makes_the_months_ahead_when_the_clock_reaches_them(
    pool: asyncpg.Pool,
) -> None:
    [job] = [j for j in JOBS if j.name == "create-partitions"]
    app = web.Application()
    app[keys.POOL], app[keys.CLOCK] = pool, MovableClock(datetime(2033, 5, 20, tzinfo=UTC))
    assert await job.job(app) == 6  # May to July 2033, both tables
    assert await job.job(app) == 0
    app[keys.CLOCK].advance(timedelta(days=31))
    assert await job.job(app) == 2  # August
    assert await pool.fetchval("SELECT to_regclass('ledger_entries_2033_08')") is not None


async def test_a_redelivered_homework_months_later_is_still_sent_and_charged_once(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["p"])
        await top_up(conn, "p", 100_00)
        first = sms("p", subs["p"], ONE_PART, "hw:1")
        assert (await enqueue_paid(conn, [first], now=T0, hold_ttl=TTL)).queued == 1
    async with pool.acquire() as conn:
        # The first SMS was queued two months ago: its row is in another month's partition.
        await create_partitions(conn, datetime(2031, 1, 1, tzinfo=UTC), 1)
        await conn.execute("UPDATE notifications SET created_at = '2031-01-10T09:00Z'")
        [row] = await conn.fetch("SELECT tableoid::regclass::text FROM notifications")
        assert row[0] == "notifications_2031_01"
        async with conn.transaction():
            same_event = await enqueue_paid(conn, [first], now=T0, hold_ttl=TTL)
            same_key = replace(first, event_id=uuid.uuid4())  # e.g. the homework sent again
            other_event = await enqueue_paid(conn, [same_key], now=T0, hold_ttl=TTL)
        assert (same_event.queued, same_event.duplicates) == (0, 1)
        assert (other_event.queued, other_event.duplicates) == (0, 1)
        assert await conn.fetchval("SELECT count(*) FROM notifications") == 1
        wallet = await wallet_balance(conn, "p")
        assert wallet is not None
        assert wallet.held == 20_00  # one SMS held, once
        await assert_ledger_invariants(conn)


async def test_two_batches_racing_past_the_early_check_still_queue_one_sms(
    pool: asyncpg.Pool,
) -> None:
    """Both batches see no SMS yet; the keys' unique index decides, in the outbox statement."""
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["p"])
        await top_up(conn, "p", 100_00)
    item = sms("p", subs["p"], ONE_PART, "hw:1")
    async with pool.acquire() as first, pool.acquire() as second:
        tx = first.transaction()
        await tx.start()
        won = await enqueue_paid(first, [item], now=T0, hold_ttl=TTL)

        async def racing() -> tuple[int, int]:
            async with second.transaction():
                r = await enqueue_paid(second, [replace(item, event_id=uuid.uuid4())],
                                       now=T0, hold_ttl=TTL)  # fmt: skip
            return r.queued, r.duplicates

        lost = asyncio.create_task(racing())
        await asyncio.sleep(0.3)  # past its early check, waiting for the wallet's lock
        await tx.commit()
        assert (won.queued, await lost) == (1, (0, 1))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notifications") == 1
        await assert_ledger_invariants(conn)


async def test_wallets_still_follow_their_entries_and_entries_go_through_the_parent(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await top_up(conn, "p", 70_00)
        wallet = await wallet_balance(conn, "p")
        assert wallet is not None
        assert wallet.posted == 70_00
        month = await conn.fetchval("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')")
        parts = await conn.fetch("SELECT DISTINCT tableoid::regclass::text FROM ledger_entries")
        assert [p[0] for p in parts] == [f"ledger_entries_{month}"]
        cols = "transaction_id, account_id, amount, currency"
        by_name = f"INSERT INTO ledger_entries_{month} ({cols}) SELECT {cols} FROM ledger_entries"  # noqa: S608
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="not into its partition"):
            await conn.execute(by_name)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(f"TRUNCATE ledger_entries_{month}")
        with pytest.raises(asyncpg.CheckViolationError, match="posted at the time"):
            await conn.execute(
                "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency,"
                " posted_at) SELECT transaction_id, account_id, amount, currency,"
                " posted_at - interval '40 days' FROM ledger_entries"
            )
        await assert_ledger_invariants(conn)


async def test_a_reference_to_a_notification_must_name_one(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        real = await _insert_sms(conn, await conn.fetchval("SELECT now()"))
        async with conn.transaction():
            await top_up(conn, "p", 1)
        insert = (
            "INSERT INTO phone_verifications (parent_id, phone, code_hash, created_at,"
            " expires_at, notification_id) VALUES ('p', '+77010000000', 'h', now(), now(), $1)"
        )
        await conn.execute(insert, real)
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="names no notification"):
            await conn.execute(insert, real + 1000)
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="names no notification"):
            await conn.execute(
                "INSERT INTO low_balance_states (account_id, parent_id, notification_id)"
                " SELECT id, 'p', $1 FROM ledger_accounts LIMIT 1",
                real + 1000,
            )
