"""The narrow queue beside the outbox (table `outbox_queue`, migration 0024): one row per SMS
still to be settled, holding only what changes while it waits and is sent (when it is due,
its lease, attempts, doubt). The wide outbox row (`notifications`) is written when the SMS is
queued and when it is settled; claiming, lease renewal and retries touch the queue alone.

While an SMS has a queue row its outbox row says `queued`; the row is leased (`lease_owner`)
while a dispatcher sends it, which readers show as `sending` (`CASE WHEN q.lease_owner IS NOT
NULL THEN 'sending' ELSE n.status END`). Nothing references the outbox
row by a foreign key (the outbox may be partitioned): the id alone names it.

Lock order (README, "Lock order"): queue rows first, then outbox rows, wallets, holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
from asyncpg import Record

from billing.types import Conn


@asynccontextmanager
async def planned_now(pool: asyncpg.Pool) -> AsyncIterator[Conn]:
    """A transaction whose statements are planned for the tables as they are when they run.

    The queue is empty at every quiet moment and holds a Friday's million an hour later.
    PostgreSQL keeps one generic plan per prepared statement after its first few runs; a
    claim's, made while the queue was empty, seq-scanned it and a month's outbox for each SMS
    (86 ms a claim instead of 4). The statements that find rows in the queue run here; only
    they: planning every statement anew planned every foreign-key check of a settle again too
    (its capture took 35 ms instead of 19)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield conn


# The queue row carries its outbox row's created_at (migration 0029): whoever joins the two
# joins on (id, created_at), and PostgreSQL reads the one month's partition holding the row.
_QUEUE = """
INSERT INTO outbox_queue (notification_id, due_at, created_at)
SELECT id, due, coalesce($3::timestamptz, now())
  FROM unnest($1::bigint[], $2::timestamptz[]) AS d(id, due)
"""


async def queue(
    conn: Conn, ids: Sequence[int], due: Sequence[datetime], created_at: datetime | None = None
) -> None:
    """Put newly inserted outbox rows in the queue (in their transaction), each due at its
    time. `created_at`: the rows' created_at; None, they took its default (the transaction's
    now())."""
    if ids:
        await conn.execute(_QUEUE, list(ids), list(due), created_at)


# Locked in id order, re-checked under the lock: a row a dispatcher claimed meanwhile is left
# alone (it is being sent), one still free is deleted, then its outbox row cancelled.
_CANCEL = """
WITH q AS (
  DELETE FROM outbox_queue WHERE notification_id IN (
    SELECT notification_id FROM outbox_queue
     WHERE notification_id = ANY ($1::bigint[]) AND lease_owner IS NULL
       AND ($3 OR NOT in_doubt)
     ORDER BY notification_id FOR UPDATE)
  RETURNING notification_id, created_at)
UPDATE notifications n SET status = 'cancelled', last_error = $2
  FROM q WHERE n.id = q.notification_id AND n.created_at = q.created_at AND n.status = 'queued'
   AND n.created_at BETWEEN (SELECT min(created_at) FROM q) AND (SELECT max(created_at) FROM q)
RETURNING n.id, n.hold_id
"""


async def cancel_waiting(
    conn: Conn, ids: Sequence[int], why: str, *, in_doubt_too: bool = True
) -> list[Record]:
    """Cancel those of these SMS still waiting (no dispatcher is sending them; with
    `in_doubt_too` False, none a provider may already have); returns their (id, hold_id).
    The caller releases the holds, after this (wallets come after outbox rows)."""
    if not ids:
        return []
    return list(await conn.fetch(_CANCEL, sorted(ids), why, in_doubt_too))
