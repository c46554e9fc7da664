"""Queued SMS whose hold expired are given up: the money goes back, nothing is charged."""

from __future__ import annotations

from aiohttp import web

from billing.batch_holds import release_holds
from notifier import keys

_WHY = "expired before it could be sent"


async def expire_stale_notifications(app: web.Application) -> int:
    """Fail queued notifications whose hold is past its expiry, a batch per transaction;
    returns how many."""
    now = app[keys.CLOCK].now()
    expired = 0
    while True:
        async with app[keys.POOL].acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT n.id, n.hold_id FROM notifications n"
                " JOIN ledger_holds h ON h.id = n.hold_id"
                " WHERE n.status = 'queued' AND h.status = 'open' AND h.expires_at <= $1"
                " ORDER BY n.id LIMIT 5000 FOR UPDATE OF n SKIP LOCKED",
                now,
            )
            released = set(await release_holds(conn, [(r["hold_id"], _WHY) for r in rows]))
            await conn.execute(
                "UPDATE notifications SET status = 'failed', last_error = 'expired',"
                " failed_at = $2 WHERE id = ANY($1::bigint[])",
                [r["id"] for r in rows if r["hold_id"] in released],
                now,
            )
        expired += len(released)
        if len(rows) < 5000:
            return expired
