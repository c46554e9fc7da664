"""Homework events: store the homework, alert subscribed parents of the class."""

from __future__ import annotations

from pydantic import BaseModel

from billing.types import Conn
from notifier.handlers import HandlerContext
from notifier.outbox.enqueue import enqueue_paid_sms
from notifier.outbox.recipients import class_subscribers
from notifier.sms.texts import homework_alert, homework_updated_alert
from schemas import HomeworkAssigned, HomeworkCancelled, HomeworkUpdated

_SAVE = (
    "INSERT INTO homework (id, school_id, class_id, subject, text, due_date, as_of)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET"
    " subject = EXCLUDED.subject, text = EXCLUDED.text, due_date = EXCLUDED.due_date,"
    " cancelled = false, as_of = EXCLUDED.as_of WHERE homework.as_of <= EXCLUDED.as_of"
)


async def apply_homework_event(conn: Conn, event: BaseModel, ctx: HandlerContext) -> int:
    """Returns the number of SMS queued."""
    if isinstance(event, HomeworkCancelled):
        await conn.execute("UPDATE homework SET cancelled = true WHERE id = $1", event.homework_id)
        return 0
    assert isinstance(event, HomeworkAssigned | HomeworkUpdated)
    if isinstance(event, HomeworkUpdated) and not await _changed(conn, event):
        return 0  # every alert costs the parent money: no SMS for a no-op edit
    await conn.execute(
        _SAVE,
        event.homework_id,
        event.school_id,
        event.class_id,
        event.subject,
        event.text,
        event.due_date,
        event.occurred_at,
    )
    return await _alert(conn, event, ctx)


async def _changed(conn: Conn, event: HomeworkUpdated) -> bool:
    row = await conn.fetchrow(
        "SELECT text, due_date FROM homework WHERE id = $1", event.homework_id
    )
    return row is None or (row["text"], row["due_date"]) != (event.text, event.due_date)


async def _alert(conn: Conn, event: HomeworkAssigned | HomeworkUpdated, ctx: HandlerContext) -> int:
    render = homework_updated_alert if isinstance(event, HomeworkUpdated) else homework_alert
    queued = 0
    tariffs: dict[tuple[str, str], int] = {}
    for r in await class_subscribers(conn, event.class_id, "homework", event.pupil_ids):
        body = render(
            r.language,  # type: ignore[arg-type]
            child_name=r.child_name,
            subject=event.subject,
            text=event.text,
            due=event.due_date,
            max_parts=ctx.max_parts,
        )
        queued += await enqueue_paid_sms(
            conn, ctx, event_id=event.event_id, kind="homework", recipient=r, body=body,
            tariffs=tariffs,
        )  # fmt: skip
    return queued
