"""Roster events keep our copy of schools, classes, pupils and parent links current.

A partition batch of them is applied whole when it can be (notifier/handlers/roster_batch.py);
this is the same, event by event, and the meaning the whole-batch form must keep.
"""

from __future__ import annotations

from pydantic import BaseModel

from billing.types import Conn
from notifier.errors import NotYetKnown
from notifier.handlers import BatchForm, HandlerContext, with_batch_form
from notifier.handlers.roster_batch import apply_roster_events, fits, save_places
from notifier.outbox.enqueue import PendingSms
from schemas import ParentLinked, ParentUnlinked, PupilEnrolled, PupilLeft, PupilUpdated


@with_batch_form(BatchForm(fits, apply_roster_events))
async def apply_roster_event(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
    """Roster changes send no SMS."""
    if isinstance(event, PupilEnrolled | PupilUpdated):
        await _upsert_pupil(conn, event)
    elif isinstance(event, PupilLeft):
        await conn.execute(
            "UPDATE pupils SET active = false, as_of = $2 WHERE id = $1 AND as_of <= $2",
            event.pupil_id,
            event.occurred_at,
        )
    elif isinstance(event, ParentLinked):
        await _link(conn, event)
    elif isinstance(event, ParentUnlinked):
        await _unlink(conn, event)
    return []


async def _upsert_pupil(conn: Conn, e: PupilEnrolled | PupilUpdated) -> None:
    await save_places(conn, [e])  # the weekly digest goes out at the school's local time
    # as_of guards against a replayed older event moving the pupil back in time.
    await conn.execute(
        "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET"
        " school_id = EXCLUDED.school_id, class_id = EXCLUDED.class_id,"
        " first_name = EXCLUDED.first_name, locale = EXCLUDED.locale,"
        " time_zone = EXCLUDED.time_zone, active = true, as_of = EXCLUDED.as_of"
        " WHERE pupils.as_of <= EXCLUDED.as_of",
        e.pupil_id,
        e.school_id,
        e.class_id,
        e.first_name,
        e.locale,
        e.time_zone,
        e.occurred_at,
    )


async def _link(conn: Conn, e: ParentLinked) -> None:
    known = await conn.fetchval("SELECT 1 FROM pupils WHERE id = $1", e.pupil_id)
    if known is None:
        raise NotYetKnown(f"parent.linked names unknown pupil {e.pupil_id!r}")
    await conn.execute(
        "INSERT INTO parent_links (parent_id, pupil_id, linked_at) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        e.parent_id,
        e.pupil_id,
        e.occurred_at,
    )


async def _unlink(conn: Conn, e: ParentUnlinked) -> None:
    await conn.execute(
        "DELETE FROM parent_links WHERE parent_id = $1 AND pupil_id = $2", e.parent_id, e.pupil_id
    )
    # A parent who is no longer linked must stop receiving (and paying for) this child's news.
    await conn.execute(
        "UPDATE subscriptions SET active = false, updated_at = now()"
        " WHERE parent_id = $1 AND pupil_id = $2",
        e.parent_id,
        e.pupil_id,
    )
