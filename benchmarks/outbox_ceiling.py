"""Ceiling for queueing paid SMS: raw batched inserts of rows shaped like an outbox row, its
queue row and its hold, into plain copies of those tables with their indexes (no triggers, no
keys to other tables, no pricing, no wallet locks)."""

from __future__ import annotations

import time
import uuid

import asyncpg

_SETUP = """
DROP TABLE IF EXISTS bench_notifications, bench_queue, bench_holds;
CREATE TABLE bench_notifications (LIKE notifications INCLUDING DEFAULTS INCLUDING INDEXES);
CREATE TABLE bench_queue (LIKE outbox_queue INCLUDING DEFAULTS INCLUDING INDEXES);
CREATE TABLE bench_holds (LIKE ledger_holds INCLUDING DEFAULTS INCLUDING INDEXES);
"""
_HOLDS = """
INSERT INTO bench_holds (account_id, amount, currency, reference, expires_at)
SELECT 1, 4000, 'KZT', 'bench:' || r, now() + interval '1 day' FROM unnest($1::text[]) AS r
RETURNING id
"""
_ROWS = """
INSERT INTO bench_notifications (event_id, subscription_id, parent_id, pupil_id, kind, phone,
    body, encoding, parts, price, currency, hold_id, status)
SELECT $1, s, 'par-' || s, 'pup-' || s, 'homework', '+77010000000', $2, 'UCS-2', 2, 4000,
       'KZT', h, 'queued'
  FROM unnest($3::bigint[], $4::bigint[]) AS t(s, h)
RETURNING id
"""
_QUEUE = (
    "INSERT INTO bench_queue (notification_id, due_at, created_at)"
    " SELECT unnest($1::bigint[]), now(), now()"
)
BODY = "Айгерим: Математика — Стр. 45, № 3–7 (до 20.12)"


async def outbox_batched_inserts(conn: asyncpg.Connection, rows: int, batch: int = 2000) -> float:
    """Outbox rows (each with its queue row and hold) per second, one transaction per
    `batch`."""
    await conn.execute(_SETUP)
    started = time.perf_counter()
    for start in range(0, rows, batch):
        subs = list(range(start, min(start + batch, rows)))
        async with conn.transaction():
            refs = [f"{start}-{s}" for s in subs]
            holds = [r["id"] for r in await conn.fetch(_HOLDS, refs)]
            ids = [r["id"] for r in await conn.fetch(_ROWS, uuid.uuid4(), BODY, subs, holds)]
            await conn.execute(_QUEUE, ids)
    elapsed = time.perf_counter() - started
    await conn.execute("DROP TABLE bench_notifications, bench_queue, bench_holds")
    return rows / elapsed
