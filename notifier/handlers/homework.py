"""Homework events: store the homework, alert subscribed parents of the class.

One alert per (homework, subscription) unless its text changes (a re-published event with a
new id sends nothing new), and never an older version after a newer one (`as_of`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel

from billing.types import Conn
from notifier.errors import NotYetKnown
from notifier.handlers import BatchForm, HandlerContext, with_batch_form
from notifier.outbox.enqueue import PendingSms, sms_to
from notifier.outbox.recipients import Recipient, class_subscribers, subscribers_of_many
from notifier.sms.texts import homework_alert, homework_updated_alert
from schemas import HomeworkAssigned, HomeworkCancelled, HomeworkUpdated

# Written only when the event is not older than what we have; RETURNING says whether it was.
_SAVE = (
    "INSERT INTO homework (id, school_id, class_id, subject, text, due_date, as_of)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET"
    " subject = EXCLUDED.subject, text = EXCLUDED.text, due_date = EXCLUDED.due_date,"
    " cancelled = false, as_of = EXCLUDED.as_of WHERE homework.as_of <= EXCLUDED.as_of"
    " RETURNING true"
)

# The same for a whole batch of homework (ids distinct): RETURNING names those written.
_SAVE_MANY = (
    "INSERT INTO homework (id, school_id, class_id, subject, text, due_date, as_of)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::date[], $7::timestamptz[]) ON CONFLICT (id) DO UPDATE SET"
    " subject = EXCLUDED.subject, text = EXCLUDED.text, due_date = EXCLUDED.due_date,"
    " cancelled = false, as_of = EXCLUDED.as_of WHERE homework.as_of <= EXCLUDED.as_of"
    " RETURNING id"
)

Alertable = HomeworkAssigned | HomeworkUpdated


def _fits(events: Sequence[BaseModel]) -> bool:
    """The batch form takes assigned and updated homework, each homework at most once (a
    cancellation, or two versions of one homework, are applied one by one, in order)."""
    ids = [getattr(e, "homework_id", None) for e in events]
    return all(isinstance(e, Alertable) for e in events) and len(set(ids)) == len(ids)


async def apply_homework_events(
    conn: Conn, events: Sequence[BaseModel], ctx: HandlerContext
) -> list[PendingSms]:
    """apply_homework_event for each of `events` (which `_fits`), in three statements."""
    batch = [e for e in events if isinstance(e, Alertable)]
    if not batch:
        return []
    saved = {
        r["id"]
        for r in await conn.fetch(
            _SAVE_MANY,
            *([getattr(e, f) for e in batch] for f in ("homework_id", "school_id", "class_id")),
            *([getattr(e, f) for e in batch] for f in ("subject", "text", "due_date")),
            [e.occurred_at for e in batch],
        )
    }
    alertable = [e for e in batch if e.homework_id in saved]
    found = await subscribers_of_many(
        conn, [(e.class_id, e.pupil_ids) for e in alertable], "homework"
    )
    nobody = {e.class_id for e, r in zip(alertable, found, strict=True) if not r}
    if nobody:
        known = await conn.fetch("SELECT id FROM classes WHERE id = ANY ($1::text[])", nobody)
        if unknown := nobody - {r["id"] for r in known}:
            raise NotYetKnown(f"homework names unknown classes {sorted(unknown)!r}")
    return [sms for e, r in zip(alertable, found, strict=True) for sms in _sms(e, r, ctx)]


@with_batch_form(BatchForm(_fits, apply_homework_events))
async def apply_homework_event(
    conn: Conn, event: BaseModel, ctx: HandlerContext
) -> list[PendingSms]:
    if isinstance(event, HomeworkCancelled):
        await conn.execute(
            "UPDATE homework SET cancelled = true, as_of = greatest(as_of, $2) WHERE id = $1",
            event.homework_id,
            event.occurred_at,
        )
        return []
    if not isinstance(event, Alertable):
        return []
    saved = await conn.fetchval(
        _SAVE,
        *(event.homework_id, event.school_id, event.class_id, event.subject, event.text),
        *(event.due_date, event.occurred_at),
    )
    if not saved:
        return []  # an older version than the one we have: never sent after the newer one
    return await _alerts(conn, event, ctx)


def _dedupe_key(event: Alertable) -> str:
    content = f"{event.subject}\x1f{event.text}\x1f{event.due_date.isoformat()}"
    return f"homework:{event.homework_id}:{hashlib.sha256(content.encode()).hexdigest()[:16]}"


async def _alerts(conn: Conn, event: Alertable, ctx: HandlerContext) -> list[PendingSms]:
    recipients = await class_subscribers(conn, event.class_id, "homework", event.pupil_ids)
    if not recipients and not await conn.fetchval(
        "SELECT 1 FROM classes WHERE id = $1", event.class_id
    ):  # asked only when nobody is subscribed: one round trip fewer per event
        raise NotYetKnown(f"{event.event_type} names unknown class {event.class_id!r}")
    return _sms(event, recipients, ctx)


def _sms(event: Alertable, recipients: list[Recipient], ctx: HandlerContext) -> list[PendingSms]:
    render = homework_updated_alert if isinstance(event, HomeworkUpdated) else homework_alert
    key = _dedupe_key(event)
    return [
        sms_to(
            r,
            event_id=event.event_id,
            kind="homework_updated" if isinstance(event, HomeworkUpdated) else "homework",
            dedupe_key=key,
            body=render(
                r.language,  # type: ignore[arg-type]
                child_name=r.child_name,
                subject=event.subject,
                text=event.text,
                due=event.due_date,
                max_parts=ctx.max_parts,
            ),
        )
        for r in recipients
    ]
