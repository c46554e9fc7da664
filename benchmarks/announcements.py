"""Announcements and instant grade alerts: notifications queued and charged (priced, held,
outbox rows written) per second, through the handlers and enqueue_paid exactly as
notifier/applying.py runs them (one transaction per batch, the batch's SMS queued at its
end), against a seeded school: 2,000 pupils, 2,600 parents, each subscribed to both. The
grades wait for their bundle; the grade alerts job then queues one SMS per child (timed too).

`python -m benchmarks.announcements` runs it alone on embedded PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import asyncpg
from pydantic import BaseModel

from billing.ledger import credit_wallet
from notifier.clock import SystemClock
from notifier.grade_bundles import send_due_bundles
from notifier.handlers import Handler, HandlerContext
from notifier.handlers.announcements import apply_announcement
from notifier.handlers.grades import apply_grade_event
from notifier.outbox.enqueue import enqueue_paid
from schemas import AnnouncementPublished, GradePosted

CTX = HandlerContext(SystemClock(), 2, timedelta(hours=24))
_SEED = """
WITH s AS (INSERT INTO schools (id, name, country) VALUES ($1, $1, 'KZ') RETURNING id),
     c AS (INSERT INTO classes (id, school_id, name)
           SELECT $1 || ':c' || k, $1, k::text FROM generate_series(1, 80) k),
     p AS (INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)
           SELECT $1 || ':p' || i, $1, $1 || ':c' || (i % 80 + 1), 'Айгерим',
                  (ARRAY['ru', 'kk', 'ky'])[i % 3 + 1], 'Asia/Almaty', now()
             FROM generate_series(1, $2) i),
     parents AS (SELECT $1 || ':par' || i AS parent_id, $1 || ':p' || i AS pupil_id, i
                   FROM generate_series(1, $2) i
                 UNION ALL  -- a second parent for some pupils
                 SELECT $1 || ':par2-' || i, $1 || ':p' || i, $2 + i
                   FROM generate_series(1, $3) i),
     l AS (INSERT INTO parent_links (parent_id, pupil_id, linked_at)
           SELECT parent_id, pupil_id, now() FROM parents)
INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, phone_verified_at)
SELECT parent_id, pupil_id, '+7701' || lpad(i::text, 7, '0'),
       ARRAY['announcements', 'grade_instant'], (ARRAY['ru', 'kk', 'ky'])[i % 3 + 1], now()
  FROM parents
RETURNING parent_id
"""


async def seed_school(pool: asyncpg.Pool, school: str, pupils: int, second_parents: int) -> int:
    """The school, its roster and subscriptions in one statement; every wallet funded."""
    async with pool.acquire() as conn, conn.transaction():
        parents = [r["parent_id"] for r in await conn.fetch(_SEED, school, pupils, second_parents)]
        for parent in parents:
            await credit_wallet(conn, parent, 10_000_00, "KZT", source=("gateway_clearing",
                                "bench"), kind="top_up", reference=f"bench-{parent}")  # fmt: skip
    return len(parents)


async def _apply(pool: asyncpg.Pool, handler: Handler, events: Sequence[BaseModel]) -> int:
    """One batch as applying.py runs it: every event's handler, then one enqueue_paid."""
    async with pool.acquire() as conn, conn.transaction():
        pending = []
        for event in events:
            pending += await handler(conn, event, CTX)
        result = await enqueue_paid(conn, pending, now=CTX.clock.now(), hold_ttl=CTX.hold_ttl)
    return result.queued


class _AfterTheGrace:
    def now(self) -> datetime:
        return datetime.now(UTC) + CTX.alerts.grade_grace + timedelta(minutes=1)


def _announcement(school: str) -> AnnouncementPublished:
    return AnnouncementPublished.model_validate({
        "event_id": uuid.uuid4(), "occurred_at": datetime.now(UTC),
        "announcement_id": f"bench-{uuid.uuid4().hex[:8]}", "school_id": school,
        "audience": {"scope": "school"}, "title": "Родительское собрание",
        "text": "В пятницу в 18:30 в актовом зале — общешкольное собрание.",
        "author_id": "bench-admin", "author_role": "school_admin",
    })  # fmt: skip


def _grade(school: str, i: int, pupils: int) -> GradePosted:
    pupil = i % pupils + 1
    return GradePosted(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), grade_id=f"{school}:g{i}",
        school_id=school, pupil_id=f"{school}:p{pupil}", class_id=f"{school}:c{pupil % 80 + 1}",
        subject="Математика", lesson_date=date(2026, 11, 12), assessment="lesson",
        mark=i % 5 + 1, teacher_id="bench-teacher",
    )  # fmt: skip


async def announcement_rates(
    pool: asyncpg.Pool, *, pupils: int = 2000, second_parents: int = 600, grades: int = 10_000,
    batch: int = 500,
) -> dict[str, float]:  # fmt: skip
    """Queued-and-charged notifications per second: a school-wide announcement to every
    parent, and `grades` instant grade alerts applied in batches of `batch` events."""
    school = f"bench-{uuid.uuid4().hex[:6]}"
    parents = await seed_school(pool, school, pupils, second_parents)
    started = time.perf_counter()
    fanned = await _apply(pool, apply_announcement, [_announcement(school)])
    fan_out = time.perf_counter() - started
    events = [_grade(school, i, pupils) for i in range(grades)]
    started, alerted = time.perf_counter(), 0
    for at in range(0, grades, batch):
        alerted += await _apply(pool, apply_grade_event, events[at : at + batch])
    async with pool.acquire() as conn, conn.transaction():  # the job, once the grace is over
        alerted += await send_due_bundles(conn, replace(CTX, clock=_AfterTheGrace()))
    graded = time.perf_counter() - started
    return {
        "announcement_parents": float(parents),
        "announcement_sms_queued": float(fanned),
        "announcement_fan_out_s": fan_out,
        "announcement_sms_per_s": fanned / fan_out,
        "grade_alerts_queued": float(alerted),
        "grade_events_per_s": grades / graded,
        "grade_alerts_per_s": alerted / graded,
    }


async def _main(database_url: str) -> dict[str, float]:
    from notifier.db.migrate import migrate

    conn = await asyncpg.connect(database_url)
    await migrate(conn)
    await conn.close()
    async with asyncpg.create_pool(database_url, min_size=2, max_size=4) as pool:
        return await announcement_rates(pool)


if __name__ == "__main__":
    from benchmarks import scratch
    from devstack import EmbeddedStack

    with scratch.run_folder("bench-") as run_dir, EmbeddedStack(run_dir / "stack") as stack:
        for name, value in asyncio.run(_main(stack.database_url)).items():
            print(f"{name:28s} {value:12,.1f}")
