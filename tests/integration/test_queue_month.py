"""The queue row names its outbox row by (id, created_at) (migration 0029), so claiming and
settling an SMS read the one month's partition it is in, however many months the outbox
holds (issue 16 §3: a year of history must not slow the queue down)."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

import asyncpg
import pytest

from notifier.outbox.dispatcher import _CLAIM
from notifier.outbox.enqueue import enqueue_paid
from notifier.outbox.settle import _SENT
from notifier.retention.partitions import create_partitions
from tests.integration.money_support import ONE_PART, T0, TTL, roster, sms, top_up


async def test_a_queued_sms_carries_its_month_and_a_row_written_without_it_is_looked_up(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["p"])
        await top_up(conn, "p", 100_00)
        [sms_id] = (await enqueue_paid(conn, [sms("p", subs["p"], ONE_PART)], now=T0,
                                       hold_ttl=TTL)).notification_ids  # fmt: skip
        created = await conn.fetchval("SELECT created_at FROM notifications WHERE id = $1", sms_id)
        queued = "SELECT created_at FROM outbox_queue WHERE notification_id = $1"
        assert await conn.fetchval(queued, sms_id) == created
        # As the previous version writes it, while instances are being replaced.
        await conn.execute("DELETE FROM outbox_queue")
        await conn.execute("INSERT INTO outbox_queue (notification_id, due_at) VALUES ($1, $2)",
                           sms_id, T0)  # fmt: skip
        assert await conn.fetchval(queued, sms_id) == created
        with pytest.raises(asyncpg.NotNullViolationError):
            await conn.execute("INSERT INTO outbox_queue (notification_id, due_at) VALUES (-1, $1)",
                               T0)  # fmt: skip


async def test_claiming_and_settling_read_only_the_month_the_sms_were_queued_in(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        await create_partitions(conn, now - timedelta(days=400), 16)
        async with conn.transaction():
            subs = await roster(conn, ["p"])
            await top_up(conn, "p", 1000_00)
            items = [sms("p", subs["p"], ONE_PART) for _ in range(3)]
            await enqueue_paid(conn, items, now=now, hold_ttl=TTL)
        # Each SMS's row looked up by its key, or whole partitions hashed (what the planner
        # may prefer for a big batch): either way only the batch's month is read.
        for off in (("hashjoin", "mergejoin", "seqscan", "material"), ("nestloop", "mergejoin")):
            tx = conn.transaction()  # EXPLAIN ANALYZE runs them: rolled back after
            await tx.start()
            for method in off:
                await conn.execute(f"SET LOCAL enable_{method} = off")
            claim = await _explain(conn, _CLAIM, now, 10, "me", timedelta(seconds=30))
            ids = [r[0] for r in await conn.fetch("SELECT notification_id FROM outbox_queue")]
            settle = await _explain(conn, _SENT, ids, "me", now, ["dev"] * 3, ["m"] * 3)
            await tx.rollback()
            month = f"notifications_{now.astimezone(UTC):%Y_%m}"
            assert _read(claim) == {month}
            assert _read(settle) == {month}


async def _explain(conn: asyncpg.Connection, sql: str, *args: object) -> Any:
    plan = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args)
    return json.loads(plan)


def _read(plan: Any) -> set[str]:
    """The outbox partitions the statement actually scanned (a node run at least once)."""
    found: set[str] = set()
    stack = list(plan)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            name = node.get("Relation Name", "")
            scanned = node.get("Node Type", "").endswith("Scan") and node.get("Actual Loops", 0)
            if name.startswith("notifications_") and scanned:
                found.add(name)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
