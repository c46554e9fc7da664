"""How many verification codes may be sent, and to whom. Codes are free SMS paid by the
house, so each limit stops one kind of abuse, and none lets one account lock out another:

* one parent and one phone: 3 an hour, 5 a day (resending to one's own phone);
* one parent: 5 an hour, 10 a day, whatever the phones (one account spending the house's money);
* one parent: codes for at most VERIFICATION_PHONES_PER_DAY different phones a day (default 3;
  one account sending codes to strangers); more codes to a phone already asked for still may;
* one phone: codes asked by at most 3 *other* parents a day (a stranger flooded through us);
  the asker's own codes never count here, so another parent cannot block the owner;
* one school: 100 an hour for the parents of its pupils (a school's accounts misused at once);
* everyone: 5000 a day, the house's budget for verification SMS.

`resend_wait` says how long until every limit allows another code (0: now) and which limit
holds it longest: the oldest counted code leaving its window reopens it.
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
# Per phone the parent asked codes for, other than this one, its newest: the n-th newest.
_OTHER_PHONES = (
    "SELECT max(v.created_at) AS last FROM phone_verifications v WHERE v.created_at > $1"
    " AND v.parent_id = $3 AND v.phone <> $4 GROUP BY v.phone ORDER BY last DESC"
    " OFFSET $2 LIMIT 1"
)


@dataclass(frozen=True)
class Limit:
    """At most `count` codes per `window` among those `sql` selects ($1 since, $2 offset,
    $3 parent id, $4 phone). `reason` is what the parent is told when it stops a code."""

    sql: str
    count: int
    window: timedelta
    reason: str


_TOO_MANY = "too many codes were sent; try again later"
LIMITS = (
    Limit(_RECENT + "v.parent_id = $3 AND v.phone = $4" + _NEWEST_FIRST, 3, HOUR, _TOO_MANY),
    Limit(_RECENT + "v.parent_id = $3 AND v.phone = $4" + _NEWEST_FIRST, 5, DAY, _TOO_MANY),
    Limit(_RECENT + "v.parent_id = $3 AND $4::text IS NOT NULL" + _NEWEST_FIRST, 5, HOUR,
          _TOO_MANY),
    Limit(_RECENT + "v.parent_id = $3 AND $4::text IS NOT NULL" + _NEWEST_FIRST, 10, DAY,
          _TOO_MANY),
    Limit(_OTHER_PARENTS, 3, DAY, _TOO_MANY),
    Limit(_RECENT + _OF_SCHOOL + " AND $4::text IS NOT NULL" + _NEWEST_FIRST, 100, HOUR,
          _TOO_MANY),
    Limit(_RECENT + "$3::text IS NOT NULL AND $4::text IS NOT NULL" + _NEWEST_FIRST, 5000, DAY,
          _TOO_MANY),
)  # fmt: skip


def phones_limit(per_day: int) -> Limit:
    """Codes for at most `per_day` different phones a day: the asked phone is one of them."""
    reason = f"codes were asked for {per_day} different phones today; try again later"
    return Limit(_OTHER_PHONES, per_day, DAY, reason)


@dataclass(frozen=True)
class Wait:
    seconds: int  # 0: a code may be sent now
    reason: str = ""


async def resend_wait(
    conn: Conn, parent_id: str, phone: str, now: datetime, *, phones_per_day: int
) -> Wait:
    """How long until another code may be sent to `phone` for `parent_id`, and why."""
    wait = Wait(0)
    for limit in (*LIMITS, phones_limit(phones_per_day)):
        oldest_counted = await conn.fetchval(
            limit.sql, now - limit.window, limit.count - 1, parent_id, phone
        )
        if oldest_counted is not None:
            seconds = math.ceil((oldest_counted + limit.window - now).total_seconds())
            wait = max(wait, Wait(seconds, limit.reason), key=lambda w: w.seconds)
    return wait
