"""What the digest sees of a pupil's grades is exact whatever order the events arrive in."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from notifier.digest.compose import Grade
from notifier.digest.load import load_batch
from notifier.handlers import HandlerContext
from notifier.handlers.grades import apply_grade_event
from schemas import GradeChanged, GradeDeleted, GradePosted
from tests.support import MovableClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))
CTX = HandlerContext(clock=MovableClock(T0), max_parts=2, hold_ttl=timedelta(hours=24))


async def _family(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO schools VALUES ('s', 'S', 'KZ');"
        " INSERT INTO classes VALUES ('c', 's', '5А');"
        " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ('p', 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now());"
        " INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
        " phone_verified_at) VALUES ('par', 'p', '+77011234567', '{weekly_grades}', 'ru', now())"
    )


def _grade(kind: type[Any], minutes: int, **over: Any) -> Any:
    fields: dict[str, Any] = {
        "event_id": uuid.uuid4(), "occurred_at": T0 + timedelta(minutes=minutes),
        "grade_id": "g-1", "school_id": "s", "pupil_id": "p", "class_id": "c",
        "subject": "Математика", "lesson_date": date(2026, 11, 24), "assessment": "lesson",
        "mark": 3, "teacher_id": "t",
    } | over  # fmt: skip
    if kind is GradeDeleted:
        fields = {k: fields[k] for k in ("event_id", "occurred_at", "grade_id", "school_id",
                                         "pupil_id")}  # fmt: skip
    return kind(**fields)


async def _apply(pool: asyncpg.Pool, *events: Any) -> list[Grade]:
    async with pool.acquire() as conn, conn.transaction():
        for event in events:
            await apply_grade_event(conn, event, CTX)
        [sub] = await load_batch(conn, "s", WEEK, after=0, limit=10)
    return [g for s in sub.week.subjects for g in s.grades]


async def test_a_later_version_wins_in_either_order(pool: asyncpg.Pool) -> None:
    await _family(pool)
    posted, changed = _grade(GradePosted, 0), _grade(GradeChanged, 5, mark=4)
    assert [g.mark for g in await _apply(pool, changed, posted)] == [4]
    assert [g.mark for g in await _apply(pool, posted, changed, posted)] == [4]  # redelivered


async def test_a_delete_before_its_post_keeps_the_grade_out(pool: asyncpg.Pool) -> None:
    await _family(pool)
    posted, deleted = _grade(GradePosted, 0), _grade(GradeDeleted, 5)
    assert await _apply(pool, deleted, posted) == []
    assert await _apply(pool, posted, deleted, posted) == []  # a replay changes nothing


async def test_a_delete_then_a_later_change_brings_the_grade_back(pool: asyncpg.Pool) -> None:
    await _family(pool)
    events = (_grade(GradeChanged, 10, mark=5), _grade(GradeDeleted, 5), _grade(GradePosted, 0))
    assert [g.mark for g in await _apply(pool, *events)] == [5]


async def test_grades_are_grouped_by_subject_in_date_order(pool: asyncpg.Pool) -> None:
    await _family(pool)
    events = [
        _grade(GradePosted, 0, grade_id="a", lesson_date=date(2026, 11, 26), mark=5),
        _grade(GradePosted, 0, grade_id="b", lesson_date=date(2026, 11, 23), mark=4),
        _grade(GradePosted, 0, grade_id="c", lesson_date=date(2026, 11, 30), mark=2),  # next week
        _grade(GradePosted, 0, grade_id="d", subject="Физика", mark=None, points=7, max_points=10),
    ]
    async with pool.acquire() as conn, conn.transaction():
        for event in events:
            await apply_grade_event(conn, event, CTX)
        [sub] = await load_batch(conn, "s", WEEK, after=0, limit=10)
    assert [(s.subject, [g.shown() for g in s.grades]) for s in sub.week.subjects] == [
        ("Математика", ["4", "5"]),
        ("Физика", ["7/10"]),
    ]
