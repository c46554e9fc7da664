"""Grade events are stored for the weekly digest, exact whatever order they arrive in.

Every event carries the grade's whole state and when it happened (``occurred_at``, kept as
``as_of``); the newest state wins. A delete that arrives before its grade (another
partition, a replay) leaves a tombstone, so the late, older post cannot bring the grade back.
At the same instant a delete wins over a post.
"""

from __future__ import annotations

from pydantic import BaseModel

from billing.types import Conn
from notifier.handlers import HandlerContext
from notifier.handlers.grade_alerts import grade_alerts
from notifier.outbox.enqueue import PendingSms
from schemas import GradeChanged, GradeDeleted, GradePosted


async def apply_grade_event(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
    if isinstance(event, GradeDeleted):
        await _delete(conn, event)
    elif isinstance(event, GradePosted | GradeChanged):
        await _upsert(conn, event)
    return await grade_alerts(conn, event, ctx)  # the weekly digest reads them too


async def _delete(conn: Conn, event: GradeDeleted) -> None:
    await conn.execute(
        "INSERT INTO grades (id, school_id, pupil_id, deleted, as_of) VALUES ($1, $2, $3, true, $4)"
        " ON CONFLICT (id) DO UPDATE SET deleted = true, as_of = EXCLUDED.as_of"
        " WHERE grades.as_of <= EXCLUDED.as_of",
        event.grade_id,
        event.school_id,
        event.pupil_id,
        event.occurred_at,
    )


async def _upsert(conn: Conn, event: GradePosted | GradeChanged) -> None:
    await conn.execute(
        "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, period,"
        " mark, points, max_points, as_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (id) DO UPDATE SET subject = EXCLUDED.subject,"
        " lesson_date = EXCLUDED.lesson_date, assessment = EXCLUDED.assessment,"
        " period = EXCLUDED.period, mark = EXCLUDED.mark, points = EXCLUDED.points,"
        " max_points = EXCLUDED.max_points, deleted = false, as_of = EXCLUDED.as_of"
        " WHERE grades.as_of < EXCLUDED.as_of"
        " OR (grades.as_of = EXCLUDED.as_of AND NOT grades.deleted)",
        event.grade_id,
        event.school_id,
        event.pupil_id,
        event.subject,
        event.lesson_date,
        event.assessment,
        event.period,
        event.mark,
        event.points,
        event.max_points,
        event.occurred_at,
    )
