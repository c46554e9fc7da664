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

from notifier.digest.run import DigestJob, run_school_week
from notifier.onboarding.balances import load_balances
from notifier.onboarding.rows import BalanceRow

MONDAY = date(2026, 11, 23)
WEEK = "2026-W48"
FRIDAY_18_ALMATY = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
WALLET_BATCH = 50_000  # as `notifier import balances` cuts a file
SUBJECTS = ["Математика", "Русский язык", "Қазақ тілі", "История Казахстана", "Физика",
            "Английский язык", "Литература"]  # fmt: skip


@dataclass(frozen=True)
class _Clock:
    at: datetime

    def now(self) -> datetime:
        return self.at


async def digest_rate(pool: asyncpg.Pool, n_subscriptions: int) -> dict[str, float]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    await seed_digest_schools(pool, prefix, 1, n_subscriptions, MONDAY)
    school = f"{prefix}s0"
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


async def seed_digest_schools(
    pool: asyncpg.Pool, prefix: str, schools: int, size: int, monday: date
) -> None:
    """`schools` schools of `size` pupils, each with one parent subscribed to the weekly digest,
    20 marks in the week of `monday` and a 1,000 ₸ wallet (the importer's set-based path)."""
    n = schools * size
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO schools (id, name, country, time_zone) SELECT $1 || 's' || k,"
            " $1 || 's' || k, 'KZ', 'Asia/Almaty' FROM generate_series(0, $2 - 1) k",
            prefix, schools,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO classes SELECT $1 || 's' || k, $1 || 's' || k, '5А'"
            " FROM generate_series(0, $2 - 1) k",
            prefix, schools,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " SELECT $1 || 'p' || i, $1 || 's' || (i - 1) / $3, $1 || 's' || (i - 1) / $3,"
            " 'Айгерим', 'ru', 'Asia/Almaty', now() FROM generate_series(1, $2) i",
            prefix, n, size,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) SELECT $1 || 'par' || i, $1 || 'p' || i,"
            " '+7701' || lpad(i::text, 7, '0'), '{weekly_grades}', 'ru', now()"
            " FROM generate_series(1, $2) i",
            prefix, n,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, mark,"
            " as_of) SELECT $1 || i || '-' || g, $1 || 's' || (i - 1) / $5, $1 || 'p' || i,"
            " ($3::text[])[1 + g % 7], $4::date + g % 5, 'lesson', 3 + (i + g) % 3, now()"
            " FROM generate_series(1, $2) i, generate_series(1, 20) g",
            prefix, n, SUBJECTS, monday, size,
        )  # fmt: skip
    for first in range(1, n + 1, WALLET_BATCH):
        rows = [BalanceRow(i, f"{prefix}par{i}", "KZT", 1_000_00, f"{prefix}{i}")
                for i in range(first, min(first + WALLET_BATCH, n + 1))]  # fmt: skip
        async with pool.acquire() as conn, conn.transaction():
            await load_balances(conn, rows, f"{prefix}{first}", datetime.now(UTC))
