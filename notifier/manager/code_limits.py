"""How many verification codes may be sent, and to whom. Codes are free SMS paid by the
house, so each limit stops one kind of abuse, and none lets one account lock out another:

* one parent and one phone: 3 an hour, 5 a day (resending to one's own phone);
* one parent: 5 an hour, 10 a day, whatever the phones (one account spending the house's money);
* one phone: codes asked by at most 3 *other* parents a day (a stranger flooded through us);
  the asker's own codes never count here, so another parent cannot block the owner;
* one school: 100 an hour for the parents of its pupils (a school's accounts misused at once);
* everyone: 5000 a day, the house's budget for verification SMS.

`resend_wait` says how long until every limit allows another code (0: now): the oldest
counted code leaving its window reopens it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.types import Conn

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
_RECENT = "SELECT v.created_at FROM phone_verifications v WHERE v.created_at > $1 AND "
_NEWEST_FIRST = " ORDER BY v.created_at DESC OFFSET $2 LIMIT 1"
_OF_SCHOOL = (
    "v.parent_id IN (SELECT l.parent_id FROM parent_links l JOIN pupils p ON p.id = l.pupil_id"
    " WHERE p.school_id IN (SELECT p2.school_id FROM parent_links l2"
    " JOIN pupils p2 ON p2.id = l2.pupil_id WHERE l2.parent_id = $3))"
)
# Per other parent, their newest code for this phone: the n-th newest of those times.
_OTHER_PARENTS = (
    "SELECT max(v.created_at) AS last FROM phone_verifications v WHERE v.created_at > $1"
    " AND v.phone = $4 AND v.parent_id <> $3 GROUP BY v.parent_id ORDER BY last DESC"
    " OFFSET $2 LIMIT 1"
)


@dataclass(frozen=True)
class Limit:
    """At most `count` codes per `window` among those `sql` selects ($1 since, $2 offset,
    $3 parent id, $4 phone)."""

    sql: str
    count: int
    window: timedelta


LIMITS = (
    Limit(_RECENT + "v.parent_id = $3 AND v.phone = $4" + _NEWEST_FIRST, 3, HOUR),
    Limit(_RECENT + "v.parent_id = $3 AND v.phone = $4" + _NEWEST_FIRST, 5, DAY),
    Limit(_RECENT + "v.parent_id = $3 AND $4::text IS NOT NULL" + _NEWEST_FIRST, 5, HOUR),
    Limit(_RECENT + "v.parent_id = $3 AND $4::text IS NOT NULL" + _NEWEST_FIRST, 10, DAY),
    Limit(_OTHER_PARENTS, 3, DAY),
    Limit(_RECENT + _OF_SCHOOL + " AND $4::text IS NOT NULL" + _NEWEST_FIRST, 100, HOUR),
    Limit(_RECENT + "$3::text IS NOT NULL AND $4::text IS NOT NULL" + _NEWEST_FIRST, 5000, DAY),
)


async def resend_wait(conn: Conn, parent_id: str, phone: str, now: datetime) -> int:
    """Seconds until another code may be sent to `phone` for `parent_id` (0: now)."""
    wait = 0.0
    for limit in LIMITS:
        oldest_counted = await conn.fetchval(
            limit.sql, now - limit.window, limit.count - 1, parent_id, phone
        )
        if oldest_counted is not None:
            wait = max(wait, (oldest_counted + limit.window - now).total_seconds())
    return math.ceil(wait)
