"""Queued SMS whose hold expired are given up: the money goes back, nothing is charged."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from asyncpg import Record

from billing.batch_holds import release_holds
from notifier import keys
from notifier.transient import retry_transaction

_WHY = "expired before it could be sent"


async def expire_stale_notifications(app: web.Application) -> int:
    """Fail queued notifications whose hold is past its expiry, a batch per transaction;
    returns how many. Outbox rows are locked before wallets (README, "Lock order")."""
    now = app[keys.CLOCK].now()
    expired = 0
    while True:
        rows, released = await retry_transaction(
            lambda: _expire_batch(app, now), what="expire-stale-sms",
            on_retry=app[keys.METRICS].retries.labels("expire").inc,
        )  # fmt: skip
        expired += len(released)
        if len(rows) < _BATCH:
            return expired


_BATCH = 5000


# Waiting rows only: one a dispatcher is sending is settled by it. Its queue row goes first,
# then its outbox row, then the money (README, "Lock order").
_TAKE = """
DELETE FROM outbox_queue WHERE notification_id IN (
  SELECT q.notification_id FROM outbox_queue q
    JOIN notifications n ON n.id = q.notification_id AND n.created_at = q.created_at
    JOIN ledger_holds h ON h.id = n.hold_id
   WHERE q.lease_owner IS NULL AND h.status = 'open' AND h.expires_at <= $1
   ORDER BY q.notification_id LIMIT $2 FOR UPDATE OF q SKIP LOCKED)
RETURNING notification_id, created_at
"""
_FAIL = """
UPDATE notifications n SET status = 'failed', last_error = 'expired', failed_at = $2
  FROM unnest($1::bigint[], $3::timestamptz[]) AS t(id, created_at)
 WHERE n.id = t.id AND n.created_at = t.created_at RETURNING n.id, n.hold_id
"""


async def _expire_batch(app: web.Application, now: datetime) -> tuple[list[Record], set[int]]:
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        taken = sorted(tuple(r) for r in await conn.fetch(_TAKE, now, _BATCH))
        rows = list(await conn.fetch(_FAIL, [t[0] for t in taken], now, [t[1] for t in taken]))
        released = set(await release_holds(conn, [(r["hold_id"], _WHY) for r in rows]))
    return rows, released
