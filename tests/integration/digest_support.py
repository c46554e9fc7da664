"""A school with weekly-digest subscribers and a fixture week of grades, on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from billing.ledger import credit_wallet
from notifier.digest.run import DigestJob
from notifier.handlers import HandlerContext
from notifier.handlers.grades import apply_grade_event
from schemas import GradeChanged, GradeDeleted, GradePosted
from tests.support import MovableClock

FRIDAY_18_ALMATY = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
WEEK = "2026-W48"


def job(pool: asyncpg.Pool, clock: MovableClock, batch_size: int = 2) -> DigestJob:
    return DigestJob(pool, clock, max_parts=3, batch_size=batch_size, hold_ttl=timedelta(days=1))


async def school(
    pool: asyncpg.Pool, families: int, *, money: int = 1_000_00, languages: str = "ru"
) -> None:
    """School 's' in Almaty; parent i subscribes to pupil i (first names Дана0, ...) in
    ``languages[i]`` ("kk+" = Kazakh in Latin letters), the last one repeated."""
    await pool.execute(
        "INSERT INTO schools (id, name, country, time_zone) VALUES ('s', 'S', 'KZ', 'Asia/Almaty');"
        " INSERT INTO classes VALUES ('c', 's', '5А')"
    )
    await pool.executemany(
        "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ($1, 's', 'c', $2, 'ru', 'Asia/Almaty', now())",
        [(f"p{i}", f"Дана{i}") for i in range(families)],
    )
    await pool.executemany(
        "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, latin,"
        " phone_verified_at) VALUES ($1, $2, $3, '{weekly_grades}', $4, $5, now())",
        [(f"par{i}", f"p{i}", f"+7701{i:07d}", *_language(languages, i)) for i in range(families)],
    )
    async with pool.acquire() as conn, conn.transaction():
        for i in range(families):
            await credit_wallet(conn, f"par{i}", money, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference=f"t-{i}")  # fmt: skip


def _language(languages: str, i: int) -> tuple[str, bool]:
    chosen = languages.split()
    lang = chosen[min(i, len(chosen) - 1)]
    return lang.rstrip("+"), lang.endswith("+")


async def grades(pool: asyncpg.Pool, pupil: str, *events: tuple[type[Any], dict[str, Any]]) -> None:
    ctx = HandlerContext(clock=MovableClock(), max_parts=2, hold_ttl=timedelta(days=1))
    async with pool.acquire() as conn, conn.transaction():
        for n, (kind, over) in enumerate(events):
            fields: dict[str, Any] = {
                "event_id": uuid.uuid4(), "occurred_at": FRIDAY_18_ALMATY - timedelta(hours=9 - n),
                "school_id": "s", "pupil_id": pupil, "class_id": "c", "subject": "Математика",
                "lesson_date": date(2026, 11, 23), "assessment": "lesson", "teacher_id": "t",
            } | over  # fmt: skip
            if kind is GradeDeleted:
                keep = ("event_id", "occurred_at", "grade_id", "school_id", "pupil_id")
                fields = {k: fields[k] for k in keep}
            await apply_grade_event(conn, kind(**fields), ctx)


def d(day: int) -> date:
    return date(2026, 11, day)


async def fixture_week(pool: asyncpg.Pool, pupil: str) -> None:
    """Per-lesson marks, a quarter final, a criteria score, a changed and two deleted grades."""
    await grades(
        pool, pupil,
        (GradePosted, {"grade_id": f"{pupil}-h1", "subject": "История Казахстана", "mark": 4}),
        (GradePosted, {"grade_id": f"{pupil}-h2", "subject": "История Казахстана",
                       "lesson_date": d(27), "assessment": "quarter", "period": 2, "mark": 5}),
        (GradePosted, {"grade_id": f"{pupil}-m1", "mark": 5}),
        (GradePosted, {"grade_id": f"{pupil}-m2", "lesson_date": d(25), "mark": 4}),
        (GradePosted, {"grade_id": f"{pupil}-m3", "lesson_date": d(27), "mark": 5}),
        (GradePosted, {"grade_id": f"{pupil}-r1", "subject": "Русский язык", "lesson_date": d(24),
                       "mark": 3}),
        (GradePosted, {"grade_id": f"{pupil}-r2", "subject": "Русский язык", "lesson_date": d(26),
                       "mark": 2}),
        (GradeChanged, {"grade_id": f"{pupil}-r2", "subject": "Русский язык",
                        "lesson_date": d(26), "mark": 4}),
        (GradePosted, {"grade_id": f"{pupil}-f1", "subject": "Физика", "lesson_date": d(24),
                       "points": 12, "max_points": 15}),
        (GradePosted, {"grade_id": f"{pupil}-x1", "subject": "Английский язык", "mark": 2}),
        (GradeDeleted, {"grade_id": f"{pupil}-x1"}),
        # A delete that overtook its post (another partition): the post is older.
        (GradeDeleted, {"grade_id": f"{pupil}-x2"}),
    )  # fmt: skip
    await grades(pool, pupil, (GradePosted, {
        "grade_id": f"{pupil}-x2", "subject": "Химия", "mark": 2,
        "occurred_at": FRIDAY_18_ALMATY - timedelta(hours=12),
    }))  # fmt: skip


EXPECTED_RU = (
    "{name}, оценки 23-29.11: История Казахстана 4, 2 четв.: 5;"
    " Математика 5 4 5 (ср. 4,7); Русский язык 3 4 (ср. 3,5); Физика 12/15"
)


async def digests(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return list(await pool.fetch(
        "SELECT n.subscription_id, n.parent_id, n.body, n.status, n.parts, n.price,"
        " n.next_attempt_at, h.amount AS held FROM notifications n"
        " LEFT JOIN ledger_holds h ON h.id = n.hold_id WHERE n.kind = 'weekly_digest'"
        " ORDER BY n.subscription_id"
    ))  # fmt: skip
