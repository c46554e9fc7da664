"""Queued SMS whose hold expired are given up: the money goes back, nothing is charged."""

from __future__ import annotations

from aiohttp import web

from billing.errors import HoldAlreadyResolved
from billing.holds import release_hold
from notifier import keys


async def expire_stale_notifications(app: web.Application) -> int:
    """Fail queued notifications whose hold is past its expiry; returns how many."""
    now = app[keys.CLOCK].now()
    expired = 0
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT n.id, n.hold_id FROM notifications n JOIN ledger_holds h ON h.id = n.hold_id"
            " WHERE n.status = 'queued' AND h.status = 'open' AND h.expires_at <= $1"
            " FOR UPDATE OF n SKIP LOCKED",
            now,
        )
        for row in rows:
            try:
                await release_hold(conn, row["hold_id"], "expired before it could be sent")
            except HoldAlreadyResolved:
                continue
            await conn.execute(
                "UPDATE notifications SET status = 'failed', last_error = 'expired' WHERE id = $1",
                row["id"],
            )
            expired += 1
    return expired
