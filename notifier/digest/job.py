"""Edges of the weekly digest: the scheduled job and the one-school run for ops."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from notifier import keys
from notifier.digest.load import count_subscribers
from notifier.digest.progress import Progress
from notifier.digest.run import DigestJob, RunOutcome, run_school_week
from notifier.digest.schedule import due_week
from notifier.digest.schools import all_schools, not_yet_sent
from notifier.outbox.lowbalance import LowBalancePolicy


def digest_job(app: web.Application) -> DigestJob:
    settings = app[keys.SETTINGS]
    return DigestJob(
        pool=app[keys.POOL],
        clock=app[keys.CLOCK],
        max_parts=settings.digest_max_parts,
        batch_size=settings.digest_batch_size,
        schools_at_once=settings.digest_schools_at_once,
        hold_ttl=timedelta(hours=settings.hold_ttl_hours),
        low_balance=LowBalancePolicy.from_settings(settings),
    )


async def send_due_digests(app: web.Application) -> list[RunOutcome]:
    """Every school whose digest is due now in its own zone and not sent yet (scheduled)."""
    return await send_due(digest_job(app), Progress(app[keys.CLOCK], app[keys.METRICS]))


async def send_due(job: DigestJob, progress: Progress) -> list[RunOutcome]:
    now = job.clock.now()
    async with job.pool.acquire() as conn:
        schools = await all_schools(conn)
        due = [(s.school_id, w) for s in schools if (w := due_week(now, s.schedule)) is not None]
        pending = await not_yet_sent(conn, due)
        counts = await count_subscribers(conn, [school for school, _ in pending])
    progress.planned(sum(counts.values()))
    return await _each(job, [(school, week, counts.get(school, 0)) for school, week in pending],
                       progress)  # fmt: skip


async def _each(
    job: DigestJob, pending: list[tuple[str, str, int]], progress: Progress
) -> list[RunOutcome]:
    """``job.schools_at_once`` schools at a time: one school's composing (Python) overlaps
    another's statements (PostgreSQL). Outcomes in the order of ``pending``. A school that
    fails stops the others (their batch in progress rolls back), as one after the other did:
    the next tick goes on where each stopped. A school another replica is sending is left to
    it (status "running"): replicas split the schools."""
    outcomes: dict[int, RunOutcome] = {}
    todo = iter(enumerate(pending))

    async def worker() -> None:
        for i, (school, week, total) in todo:
            outcomes[i] = await run_school_week(job, school, week, progress, total,
                                                leave_if_busy=True)  # fmt: skip

    async with asyncio.TaskGroup() as group:
        for _ in range(min(job.schools_at_once, len(pending))):
            group.create_task(worker())
    return [outcomes[i] for i in range(len(pending))]
