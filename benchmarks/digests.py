"""Weekly digests at scale: build, charge and queue digests for n subscriptions, ~20 marks each.

Setup (roster, wallets, grades) is bulk SQL and not timed; the timed part is the real job,
``run_school_week``, in batches of 5,000 subscriptions.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from billing.ledger import credit_wallet
from notifier.digest.run import DigestJob, run_school_week

MONDAY = date(2026, 11, 23)
WEEK = "2026-W48"
FRIDAY_18_ALMATY = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
SUBJECTS = ["Математика", "Русский язык", "Қазақ тілі", "История Казахстана", "Физика",
            "Английский язык", "Литература"]  # fmt: skip


@dataclass(frozen=True)
class _Clock:
    at: datetime

    def now(self) -> datetime:
        return self.at


async def digest_rate(pool: asyncpg.Pool, n_subscriptions: int) -> dict[str, float]:
    school = f"bench-{uuid.uuid4().hex[:8]}"
    await _school(pool, school, n_subscriptions)
    job = DigestJob(pool, _Clock(FRIDAY_18_ALMATY), max_parts=3, batch_size=5_000,
                    hold_ttl=timedelta(days=1))  # fmt: skip
    started = time.perf_counter()
    outcome = await run_school_week(job, school, WEEK)
    elapsed = time.perf_counter() - started
    return {
        "digests_per_s": outcome.done / elapsed,
        "digests_queued": float(outcome.queued),
        "digest_run_seconds": elapsed,
    }


async def _school(pool: asyncpg.Pool, school: str, n: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO schools (id, name, country, time_zone)"
            " VALUES ($1, $1, 'KZ', 'Asia/Almaty')",
            school,
        )
        await conn.execute("INSERT INTO classes VALUES ($1, $1, '5А')", school)
        await conn.execute(
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " SELECT $1 || '-p' || i, $1, $1, 'Айгерим', 'ru', 'Asia/Almaty', now()"
            " FROM generate_series(1, $2) i",
            school, n,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) SELECT $1 || '-par' || i, $1 || '-p' || i,"
            " '+7701' || lpad(i::text, 7, '0'), '{weekly_grades}', 'ru', now()"
            " FROM generate_series(1, $2) i",
            school, n,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, mark,"
            " as_of) SELECT $1 || '-' || i || '-' || g, $1, $1 || '-p' || i,"
            " ($3::text[])[1 + g % 7], $4::date + g % 5, 'lesson', 3 + (i + g) % 3, now()"
            " FROM generate_series(1, $2) i, generate_series(1, 20) g",
            school, n, SUBJECTS, MONDAY,
        )  # fmt: skip
        for i in range(1, n + 1):
            await credit_wallet(conn, f"{school}-par{i}", 1_000_00, "KZT",
                                source=("gateway_clearing", "bench"), kind="top_up",
                                reference=f"{school}-{i}")  # fmt: skip
