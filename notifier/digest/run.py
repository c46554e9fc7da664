"""The weekly-digest job: compose, charge and queue one school's week, batch by batch.

Exactly one digest per (subscription, ISO week), whatever happens: one ``digest_runs`` row
per (school, week); each batch locks it, reads its cursor, queues the batch's SMS with their
holds and moves the cursor in one transaction. A second runner waits on the lock and goes on
from the moved cursor; a runner killed mid-batch rolls back and the next one redoes that
batch. Each child's week is claimed in ``digest_coverage`` in that transaction, and the
outbox's dedupe key ``weekly_digest:<week>`` stays unique per subscription, so even a run
started over from the beginning, or the run of another school sharing a parent's phone,
queues nothing twice (one SMS per phone: notifier/digest/batch.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, cast

import asyncpg

from billing.types import Conn
from notifier.clock import Clock
from notifier.digest.batch import Composer, compose_batch
from notifier.digest.load import Subscriber, count_subscribers, load_batch
from notifier.digest.progress import Progress
from notifier.digest.schedule import refuse_early, week_days
from notifier.digest.schools import SchoolDigest, is_holiday, one_school
from notifier.outbox.enqueue import EnqueueResult, enqueue_paid
from notifier.outbox.lowbalance import LowBalancePolicy, check_low_balances

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestJob:
    pool: asyncpg.Pool
    clock: Clock
    max_parts: int
    batch_size: int
    hold_ttl: timedelta
    low_balance: LowBalancePolicy | None = None  # tell parents whose digest was skipped
    schools_at_once: int = 1  # schools whose runs go side by side (notifier/digest/job.py)


@dataclass(frozen=True)
class RunOutcome:
    school_id: str
    week: str
    status: Literal["done", "holiday", "running"]  # running: left to the runner that holds it
    total: int = 0
    done: int = 0
    queued: int = 0
    skipped: int = 0
    empty: int = 0
    combined: int = 0  # children whose week another subscription's SMS on their phone carries


async def run_school_week(
    job: DigestJob, school_id: str, week: str, progress: Progress | None = None,
    total: int | None = None, *, leave_if_busy: bool = False,
) -> RunOutcome:  # fmt: skip
    """Send (or finish sending) the school's digest of ``week``; safe to call any number of
    times, concurrently too. A holiday week sends nothing; a week before its send instant is
    refused (WeekNotDue) and left open. ``total``: its subscribers, when the caller counted.

    A second runner of the same school waits for each batch of the first and goes on from
    its cursor; with ``leave_if_busy`` it leaves the school to the runner holding it instead
    (status "running"): replicas' schedulers split the schools rather than queue behind each
    other. If that runner dies, the school is still not done, and the next tick takes it."""
    days = week_days(week)  # BadWeek before anything is written
    async with job.pool.acquire() as conn:
        school = await one_school(conn, school_id)
        refuse_early(week, school.schedule, job.clock.now())
        if await is_holiday(conn, school_id, week):
            return RunOutcome(school_id, week, "holiday")
        if total is None:
            total = (await count_subscribers(conn, [school_id])).get(school_id, 0)
        run_id = await _open_run(conn, school_id, week, total, job.clock.now())
    lock = _LOCK_OR_LEAVE if leave_if_busy else _LOCK
    mine = 0
    while True:
        async with job.pool.acquire() as conn, conn.transaction():
            run = await conn.fetchrow(lock, run_id)
            if run is None:  # another runner is in a batch of it: it is theirs
                if progress is not None:
                    progress.left_to_another(total - mine)
                return RunOutcome(school_id, week, "running")
            if run["status"] == "done":
                return _outcome(run)
            batch = await load_batch(
                conn, school_id, days, after=run["cursor"], limit=job.batch_size
            )
            if not batch:
                return _outcome(await _finish(conn, run_id, job.clock.now()))
            await _queue(conn, job, school, run_id, week, days, batch)
            last = len(batch) < job.batch_size  # no need to ask for more
            if last:
                run = await _finish(conn, run_id, job.clock.now())
        mine += len(batch)
        if progress is not None:
            progress.advanced(len(batch))
        if last:
            return _outcome(run)


_LOCK = "SELECT * FROM digest_runs WHERE id = $1 FOR UPDATE"
_LOCK_OR_LEAVE = _LOCK + " SKIP LOCKED"


async def _open_run(conn: Conn, school_id: str, week: str, total: int, now: datetime) -> uuid.UUID:
    """The id of the school's run of that week, started now unless it exists (never waiting
    for a runner in a batch of it: its row is locked, not changed here)."""
    found = await conn.fetchval(
        "INSERT INTO digest_runs (id, school_id, iso_week, status, total, started_at, updated_at)"
        " VALUES ($1, $2, $3, 'running', $4, $5, $5) ON CONFLICT (school_id, iso_week)"
        " DO NOTHING RETURNING id",
        uuid.uuid4(), school_id, week, total, now,
    )  # fmt: skip
    if found is None:
        found = await conn.fetchval(
            "SELECT id FROM digest_runs WHERE school_id = $1 AND iso_week = $2", school_id, week
        )
    return cast(uuid.UUID, found)


async def _queue(
    conn: Conn, job: DigestJob, school: SchoolDigest, run_id: uuid.UUID, week: str,
    days: tuple[date, date], batch: list[Subscriber],
) -> EnqueueResult:  # fmt: skip
    now = job.clock.now()
    composer = Composer(run_id, week, days, school.send_empty, job.max_parts,
                        school.window.next_send_time(now))  # fmt: skip
    found = await compose_batch(conn, composer, batch)
    result = await enqueue_paid(conn, found.pending, now=now, hold_ttl=job.hold_ttl)
    if job.low_balance is not None and result.short_of_money:
        await check_low_balances(conn, sorted(result.short_of_money), now, job.low_balance)
    await conn.execute(
        "UPDATE digest_runs SET cursor = $2, done = done + $3, queued = queued + $4,"
        " skipped = skipped + $5, empty = empty + $6, combined = combined + $7, updated_at = $8"
        " WHERE id = $1",
        run_id, batch[-1].subscription_id, len(batch), result.queued, result.skipped,
        found.empty, found.elsewhere, now,
    )  # fmt: skip
    return result


async def _finish(conn: Conn, run_id: uuid.UUID, now: datetime) -> asyncpg.Record:
    row: asyncpg.Record | None = await conn.fetchrow(
        "UPDATE digest_runs SET status = 'done', finished_at = $2, updated_at = $2"
        " WHERE id = $1 RETURNING *",
        run_id,
        now,
    )
    assert row is not None
    log.info("weekly digest %s %s done: %d queued, %d skipped, %d empty", row["school_id"],
             row["iso_week"], row["queued"], row["skipped"], row["empty"])  # fmt: skip
    return row


def _outcome(run: asyncpg.Record) -> RunOutcome:
    return RunOutcome(
        run["school_id"], run["iso_week"], run["status"], run["total"], run["done"],
        run["queued"], run["skipped"], run["empty"], run["combined"],
    )  # fmt: skip
