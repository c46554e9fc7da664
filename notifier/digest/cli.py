"""`notifier digest --school ID --week 2026-W48`: ops re-run one school's week."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import asyncpg

from notifier.clock import SystemClock
from notifier.digest.load import count_subscribers
from notifier.digest.progress import Progress
from notifier.digest.run import DigestJob, RunOutcome, run_school_week
from notifier.digest.schedule import WeekNotDue
from notifier.settings import Settings


async def rerun(settings: Settings, school_id: str, week: str) -> RunOutcome:
    """Resumes where an earlier run stopped; nobody gets a second digest."""
    clock = SystemClock()
    async with asyncpg.create_pool(settings.database_url, min_size=1, max_size=2) as pool:
        job = DigestJob(pool, clock, settings.digest_max_parts, settings.digest_batch_size,
                        timedelta(hours=settings.hold_ttl_hours))  # fmt: skip
        progress = Progress(clock)
        async with pool.acquire() as conn:
            progress.planned((await count_subscribers(conn, [school_id])).get(school_id, 0))
        try:
            return await run_school_week(job, school_id, week, progress)
        except WeekNotDue as exc:  # one line and a non-zero exit, as for the HTTP 422
            raise SystemExit(f"notifier digest: {exc}") from exc


def describe(outcome: RunOutcome) -> str:
    return " ".join(f"{key}={value}" for key, value in asdict(outcome).items())
