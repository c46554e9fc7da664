"""What a signed one-click link switches off: one child's subscription, or (EVERY_CHILD, the
link in the free SMS after the phone is confirmed) every subscription of the parent."""

from __future__ import annotations

from datetime import datetime

from billing.types import Conn
from notifier.manager.consent import Origin
from notifier.manager.links import EVERY_CHILD, UnsubscribeClaim
from notifier.manager.subscriptions import switch_off
from notifier.notification_types import NOTIFICATION_TYPES


async def unsubscribe_by_link(
    conn: Conn, claim: UnsubscribeClaim, origin: Origin, now: datetime
) -> None:
    """Safe to repeat; a child never subscribed is simply skipped."""
    drop = NOTIFICATION_TYPES if claim.type == "all" else (claim.type,)
    for pupil_id in await _pupils(conn, claim):
        await switch_off(
            conn, claim.parent_id, pupil_id, drop=drop, action="one-click-unsubscribe",
            partial_action="one-click-unsubscribe", origin=origin, now=now,
        )  # fmt: skip


async def _pupils(conn: Conn, claim: UnsubscribeClaim) -> list[str]:
    if claim.pupil_id != EVERY_CHILD:
        return [claim.pupil_id]
    rows = await conn.fetch(
        "SELECT pupil_id FROM subscriptions WHERE parent_id = $1 ORDER BY pupil_id",
        claim.parent_id,
    )
    return [r["pupil_id"] for r in rows]
