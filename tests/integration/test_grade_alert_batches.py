"""Instant grade alerts applied the way the consumer applies a partition batch, then bundled
by the grade alerts job once the grace period is over."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka.structs import ConsumerRecord

from billing.ledger import credit_wallet
from notifier.applying import apply_batch
from notifier.grade_bundles import send_due_bundles
from notifier.handlers import AlertPolicy, HandlerContext
from notifier.handlers.grades import apply_grade_event
from tests.support import MovableClock

ROSTER = """
INSERT INTO schools (id, name, country) VALUES ('s', 's', 'KZ');
INSERT INTO classes (id, school_id, name) VALUES ('c', 's', '5А');
INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)
    VALUES ('p', 's', 'c', 'Айгерим', 'ru', 'Asia/Almaty', now());
INSERT INTO parent_links VALUES ('par', 'p', now());
INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, phone_verified_at)
    VALUES ('par', 'p', '+77011234567', ARRAY['grade_instant'], 'ru', now());
"""


def _record(offset: int, event_type: str = "grade.posted", **over: Any) -> ConsumerRecord:
    event = {
        "event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1,
        "occurred_at": (datetime.now(UTC) + timedelta(seconds=offset)).isoformat(),
        "grade_id": "g", "school_id": "s", "pupil_id": "p", "class_id": "c",
        "subject": "Физика", "lesson_date": "2026-11-20", "assessment": "lesson", "mark": 4,
        "teacher_id": "t",
    } | over  # fmt: skip
    value = json.dumps(event, ensure_ascii=False).encode()
    return ConsumerRecord("diary.grades", 0, offset, 0, 0, b"p", value, None, 0, len(value), ())


async def _bundle(pool: asyncpg.Pool, ctx: HandlerContext) -> int:
    """The grade alerts job, once the grace period is over."""
    ctx.clock.advance(ctx.alerts.grade_grace)  # type: ignore[attr-defined]
    async with pool.acquire() as conn, conn.transaction():
        return await send_due_bundles(conn, ctx)


async def _alerts(pool: asyncpg.Pool) -> list[tuple[str, str]]:
    rows = await pool.fetch("SELECT status, body FROM notifications ORDER BY id")
    return [(r["status"], r["body"]) for r in rows]


@pytest.fixture
async def roster(pool: asyncpg.Pool) -> None:
    await pool.execute(ROSTER)


async def test_corrections_turned_off_send_nothing_after_the_alert(
    pool: asyncpg.Pool, roster: None
) -> None:
    ctx = HandlerContext(MovableClock(), 2, timedelta(hours=1),
                         alerts=AlertPolicy(grade_corrections=False))  # fmt: skip
    await apply_batch(pool, apply_grade_event, "diary.grades", [_record(0)], ctx)
    await _funded(pool)
    await _bundle(pool, ctx)
    await pool.execute("UPDATE notifications SET status = 'sent'")  # the dispatcher sent it

    changed = _record(1, "grade.changed", mark=5)
    await apply_batch(pool, apply_grade_event, "diary.grades", [changed], ctx)

    assert await _alerts(pool) == [("sent", "Айгерим: Физика 4 (20.11)")]


async def _funded(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await credit_wallet(conn, "par", 100_00, "KZT", source=("gateway_clearing", "test"),
                            kind="manual_credit", reference="t")  # fmt: skip


async def _wallet(pool: asyncpg.Pool) -> tuple[int, int]:
    row = await pool.fetchrow("SELECT posted, held FROM ledger_accounts WHERE owner = 'par'")
    return row["posted"], row["held"]


async def test_a_grade_posted_and_changed_in_one_batch_alerts_once(
    pool: asyncpg.Pool, roster: None
) -> None:
    await _funded(pool)
    ctx = HandlerContext(MovableClock(), 2, timedelta(hours=1))
    records = [_record(0), _record(1, "grade.changed", mark=5)]
    await apply_batch(pool, apply_grade_event, "diary.grades", records, ctx)
    assert await _alerts(pool) == []  # waiting for the grace period
    assert await _bundle(pool, ctx) == 1

    assert await _alerts(pool) == [("queued", "Айгерим: Физика 5 (20.11)")]
    assert await _wallet(pool) == (100_00, 20_00)  # one alert held


async def test_a_grade_posted_and_deleted_in_one_batch_is_never_sent(
    pool: asyncpg.Pool, roster: None
) -> None:
    await _funded(pool)
    ctx = HandlerContext(MovableClock(), 2, timedelta(hours=1))
    records = [_record(0), _record(1, "grade.deleted")]
    await apply_batch(pool, apply_grade_event, "diary.grades", records, ctx)
    assert await _bundle(pool, ctx) == 0
    assert await _bundle(pool, ctx) == 0  # and the job is idempotent

    assert await _alerts(pool) == []
    assert await _wallet(pool) == (100_00, 0)


async def test_a_deletion_withdraws_the_alert_even_after_the_parent_unsubscribed(
    pool: asyncpg.Pool, roster: None
) -> None:
    await _funded(pool)
    ctx = HandlerContext(MovableClock(), 2, timedelta(hours=1))
    await apply_batch(pool, apply_grade_event, "diary.grades", [_record(0)], ctx)
    await pool.execute("UPDATE subscriptions SET types = ARRAY['homework']")
    await apply_batch(pool, apply_grade_event, "diary.grades", [_record(1, "grade.deleted")], ctx)
    assert await _bundle(pool, ctx) == 0

    assert await _alerts(pool) == []
    assert await _wallet(pool) == (100_00, 0)


async def test_a_parent_who_unsubscribed_in_the_grace_gets_nothing(
    pool: asyncpg.Pool, roster: None
) -> None:
    await _funded(pool)
    ctx = HandlerContext(MovableClock(), 2, timedelta(hours=1))
    await apply_batch(pool, apply_grade_event, "diary.grades", [_record(0)], ctx)
    await pool.execute("UPDATE subscriptions SET types = ARRAY['homework']")
    assert await _bundle(pool, ctx) == 0

    assert await _alerts(pool) == []
    assert await pool.fetchval("SELECT count(*) FROM grade_alert_marks") == 0
