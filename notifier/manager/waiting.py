"""Paid SMS still waiting in the outbox (for the school's window, a grace period, a retry after
a refusal), cancelled because the parent said no more: a reply of STOP (every SMS to the phone)
or a subscription switched off on the page or by the free link (that subscription's SMS).

Cancelled and released in the caller's transaction: nothing is charged, and `last_error` says
why (notifier/manager/message_reasons.py words it for the parent). Left alone: an SMS being
handed to a provider now (`sending`) or possibly at an operator already (in doubt): it may
still arrive, so it is settled like any other SMS. Free SMS have no hold and are left too.
"""

from __future__ import annotations

from typing import Final

from billing.batch_holds import release_holds
from billing.types import Conn

STOPPED: Final = "stopped: the parent replied STOP before it was sent"
SWITCHED_OFF: Final = "switched off: the parent switched notifications off before it was sent"

_CANCEL = """
UPDATE notifications SET status = 'cancelled', last_error = $3
 WHERE subscription_id = ANY ($1::bigint[]) AND ($2::text IS NULL OR phone = $2)
   AND status = 'queued' AND NOT in_doubt AND hold_id IS NOT NULL
RETURNING hold_id
"""


async def cancel_for_phone(conn: Conn, phone: str) -> int:
    """After a STOP: every paid SMS waiting to `phone`, whichever of the phone's subscriptions
    queued it (one switched off before too). Returns how many were cancelled."""
    subs = await conn.fetch("SELECT id FROM subscriptions WHERE phone = $1", phone)
    return await _cancel(conn, [r["id"] for r in subs], phone, STOPPED, "stopped by the parent")


async def cancel_for_subscription(conn: Conn, subscription_id: int) -> int:
    """After a subscription is switched off: its paid SMS still waiting."""
    return await _cancel(conn, [subscription_id], None, SWITCHED_OFF, "switched off by the parent")


async def _cancel(conn: Conn, subs: list[int], phone: str | None, error: str, why: str) -> int:
    cancelled = await conn.fetch(_CANCEL, subs, phone, error)
    await release_holds(conn, [(r["hold_id"], why) for r in cancelled])
    return len(cancelled)
