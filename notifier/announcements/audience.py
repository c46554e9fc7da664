"""Who an announcement reaches, set-based: one statement finds every subscribed parent of the
audience (a class, some pupils or the whole school), however large, and one counts the
parents it targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billing.types import Conn
from notifier.errors import NotYetKnown, RejectedEvent
from schemas.announcements_v1 import (
    AnnouncementPublished,
    Audience,
    ClassAudience,
    PupilAudience,
)


@dataclass(frozen=True)
class Listener:
    subscription_id: int
    parent_id: str
    pupil_id: str
    phone: str
    language: str
    country: str
    time_zone: str  # the pupil's: decides the night for urgent announcements


# The pupils of the audience ($2: class ids, $3: pupil ids; NULL: not that scope), their
# subscribed parents, one SMS per parent and phone even with several children in it.
_LISTENERS = """
WITH a AS (
    SELECT p.id, p.time_zone FROM pupils p WHERE p.school_id = $1 AND p.active
       AND ($2::text[] IS NULL OR p.class_id = ANY ($2::text[]))
       AND ($3::text[] IS NULL OR p.id = ANY ($3::text[])))
SELECT DISTINCT ON (s.parent_id, s.phone) s.id, s.parent_id, s.pupil_id, s.phone, s.language,
       s.country, a.time_zone
  FROM a JOIN parent_links l ON l.pupil_id = a.id
  JOIN subscriptions s ON s.parent_id = l.parent_id AND s.pupil_id = a.id
 WHERE s.active AND s.phone_verified_at IS NOT NULL AND 'announcements' = ANY (s.types)
 ORDER BY s.parent_id, s.phone, s.id
"""
TARGETED = """
SELECT count(DISTINCT l.parent_id) FROM pupils p JOIN parent_links l ON l.pupil_id = p.id
 WHERE p.school_id = $1 AND p.active
   AND ($2::text[] IS NULL OR p.class_id = ANY ($2::text[]))
   AND ($3::text[] IS NULL OR p.id = ANY ($3::text[]))
"""


async def listeners(conn: Conn, event: AnnouncementPublished) -> tuple[int, list[Listener]]:
    """(parents targeted, the subscriptions to send to). Raises NotYetKnown for a class or
    pupil the roster has not brought yet, RejectedEvent for one of another school."""
    classes, pupils = await checked_scope(conn, event.school_id, event.audience)
    args = (event.school_id, classes, pupils)
    targeted = await conn.fetchval(TARGETED, *args)
    rows = await conn.fetch(_LISTENERS, *args)
    return int(targeted), [Listener(*r.values()) for r in rows]


async def checked_scope(
    conn: Conn, school_id: str, audience: Audience
) -> tuple[list[str] | None, list[str] | None]:
    """(class ids, pupil ids) of the audience, None where it is not that scope; the queries'
    $2 and $3 (also notifier/announcements/preview.py)."""
    if isinstance(audience, ClassAudience):
        await _all_of_school(conn, "classes", audience.class_ids, school_id)
        return list(audience.class_ids), None
    if isinstance(audience, PupilAudience):
        await _all_of_school(conn, "pupils", audience.pupil_ids, school_id)
        return None, list(audience.pupil_ids)
    if not await conn.fetchval("SELECT 1 FROM schools WHERE id = $1", school_id):
        raise NotYetKnown(f"announcement for unknown school {school_id!r}")
    return None, None


_OF_SCHOOL = {
    "classes": "SELECT id, school_id FROM classes WHERE id = ANY ($1::text[])",
    "pupils": "SELECT id, school_id FROM pupils WHERE id = ANY ($1::text[])",
}


async def _all_of_school(conn: Conn, table: str, ids: Sequence[str], school_id: str) -> None:
    rows = await conn.fetch(_OF_SCHOOL[table], list(ids))
    found = {r["id"]: r["school_id"] for r in rows}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise NotYetKnown(f"announcement names unknown {table}: {', '.join(missing[:10])}")
    foreign = sorted(i for i, s in found.items() if s != school_id)
    if foreign:
        raise RejectedEvent(
            f"announcement of school {school_id} names {table} of another school: "
            + ", ".join(foreign[:10])
        )
