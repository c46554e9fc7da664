"""The reach report of one announcement, for its school's staff: how many parents it was
for, how many were subscribed, and what became of their SMS (read live from the outbox and
the providers' delivery reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.types import Conn


@dataclass(frozen=True)
class Reach:
    announcement_id: str
    title: str
    scope: str
    urgent: bool
    published_at: datetime
    targeted: int  # parents linked to the audience's pupils
    subscribed: int  # of them, subscribed to announcements with a verified phone
    pending: int  # queued or being sent (an urgent one may wait for the morning)
    sent: int  # accepted by the SMS provider
    delivered: int  # of those, reported delivered to the phone
    undelivered: int  # of those, reported undeliverable, expired or failed
    skipped_for_balance: int  # not sent: the parent's balance or monthly cap did not cover it
    failed: int  # not sent: the provider refused it or it expired


_SELECT = """
SELECT a.id, a.title, a.scope, a.urgent, a.published_at, a.targeted, a.subscribed,
       count(n.id) FILTER (WHERE n.status IN ('queued', 'sending')),
       count(n.id) FILTER (WHERE n.status = 'sent'),
       count(n.id) FILTER (WHERE n.status = 'sent' AND n.delivery_status = 'delivered'),
       count(n.id) FILTER (WHERE n.status = 'sent' AND n.delivery_status <> 'delivered'),
       count(n.id) FILTER (WHERE n.status IN ('skipped_insufficient_funds', 'skipped_cap')),
       count(n.id) FILTER (WHERE n.status = 'failed')
  FROM announcements a
  LEFT JOIN notifications n ON n.event_id = a.event_id AND n.kind = 'announcement'
"""
_REACH = _SELECT + " WHERE a.id = $1 AND a.school_id = $2 GROUP BY a.id"
# Newest first; the cursor is the last (published_at, id) of the previous page.
_SCHOOL = _SELECT + (
    " WHERE a.school_id = $1 AND ($2::timestamptz IS NULL OR (a.published_at, a.id) < ($2, $3))"
    " GROUP BY a.id ORDER BY a.published_at DESC, a.id DESC LIMIT $4"
)


async def reach(conn: Conn, announcement_id: str, school_id: str) -> Reach | None:
    """None when the school has no such announcement (another school's is not theirs)."""
    row = await conn.fetchrow(_REACH, announcement_id, school_id)
    return Reach(*row.values()) if row is not None else None


async def school_reach(
    conn: Conn, school_id: str, *, limit: int, after: tuple[datetime, str] | None
) -> list[Reach]:
    """The school's announcements, newest first, each with its reach; `limit` rows."""
    at, last_id = after if after is not None else (None, None)
    rows = await conn.fetch(_SCHOOL, school_id, at, last_id, limit)
    return [Reach(*row.values()) for row in rows]
