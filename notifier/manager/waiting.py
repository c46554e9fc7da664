"""Paid SMS still waiting in the outbox (for the school's window, a grace period, a retry after
a refusal), cancelled because the parent said no more: a reply of STOP (every SMS to the phone),
a subscription switched off on the page or by the free link (that subscription's SMS), or one
type of several dropped (that subscription's SMS of that type).

Cancelled and released in the caller's transaction: nothing is charged, and `last_error` says
why (notifier/manager/message_reasons.py words it for the parent). Left alone: an SMS being
handed to a provider now (`sending`) or possibly at an operator already (in doubt): it may
still arrive, so it is settled like any other SMS. Free SMS have no hold and are left too.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from billing.batch_holds import release_holds
from billing.types import Conn
from notifier.notification_types import KINDS, NotificationType
from notifier.outbox.queue import cancel_waiting

STOPPED: Final = "stopped: the parent replied STOP before it was sent"
SWITCHED_OFF: Final = "switched off: the parent switched notifications off before it was sent"

# The candidates; notifier/outbox/queue.py cancels those still free under the queue rows' locks
# (one a dispatcher is sending, or a provider may have, is left alone). Found through their
# parents (the outbox's index on parent_id): a year of monthly partitions has no index on the
# subscription.
_WAITING = """
SELECT id FROM notifications
 WHERE parent_id IN (SELECT parent_id FROM subscriptions WHERE id = ANY ($1::bigint[]))
   AND subscription_id = ANY ($1::bigint[]) AND ($2::text IS NULL OR phone = $2)
   AND ($3::text[] IS NULL OR kind = ANY ($3::text[]))
   AND status = 'queued' AND hold_id IS NOT NULL
"""


async def cancel_for_phone(conn: Conn, phone: str) -> int:
    """After a STOP: every paid SMS waiting to `phone`, whichever of the phone's subscriptions
    queued it (one switched off before too). Returns how many were cancelled."""
    subs = await conn.fetch("SELECT id FROM subscriptions WHERE phone = $1", phone)
    return await _cancel(conn, [r["id"] for r in subs], phone, STOPPED, "stopped by the parent")


async def cancel_for_subscription(conn: Conn, subscription_id: int) -> int:
    """After a subscription is switched off: its paid SMS still waiting."""
    return await _cancel(conn, [subscription_id], None, SWITCHED_OFF, "switched off by the parent")


async def cancel_for_types(
    conn: Conn, subscription_id: int, dropped: Collection[NotificationType]
) -> int:
    """After some of a subscription's types are dropped: its paid SMS of those types waiting."""
    kinds = [kind for t in dropped for kind in KINDS[t]]
    if not kinds:
        return 0
    return await _cancel(conn, [subscription_id], None, SWITCHED_OFF, "type switched off by the"
                         " parent", kinds)  # fmt: skip


async def _cancel(
    conn: Conn, subs: list[int], phone: str | None, error: str, why: str,
    kinds: list[str] | None = None,
) -> int:  # fmt: skip
    waiting = await conn.fetch(_WAITING, subs, phone, kinds)
    cancelled = await cancel_waiting(conn, [r["id"] for r in waiting], error, in_doubt_too=False)
    await release_holds(conn, [(r["hold_id"], why) for r in cancelled])
    return len(cancelled)
