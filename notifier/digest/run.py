"""The weekly-digest job: compose, charge and queue one school's week, batch by batch.

Exactly one digest per (subscription, ISO week), whatever happens: one ``digest_runs`` row
per (school, week); each batch locks it, reads its cursor, queues the batch's SMS with their
holds and moves the cursor in one transaction. A second runner waits on the lock and goes on
from the moved cursor; a runner killed mid-batch rolls back and the next one redoes that
batch. The outbox's dedupe key ``weekly_digest:<week>`` makes even a run started over from
the beginning queue nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

import asyncpg

from billing.types import Conn
from notifier.clock import Clock
from notifier.digest.budget import empty_digest, fit_digest
from notifier.digest.load import Subscriber, count_subscribers, load_batch
from notifier.digest.progress import Progress
from notifier.digest.schedule import refuse_early, week_days
from notifier.digest.schools import SchoolDigest, is_holiday, one_school
from notifier.outbox.enqueue import EnqueueResult, PendingSms, enqueue_paid, sms_to
from notifier.outbox.lowbalance import LowBalancePolicy, check_low_balances

log = logging.getLogger(__name__)
KIND = "weekly_digest"


@dataclass(frozen=True)
class DigestJob:
    pool: asyncpg.Pool
    clock: Clock
    max_parts: int
    batch_size: int
    hold_ttl: timedelta
    low_balance: LowBalancePolicy | None = None  # tell parents whose digest was skipped


@dataclass(frozen=True)
class RunOutcome:
    school_id: str
    week: str
    status: Literal["done", "holiday"]
    total: int = 0
    done: int = 0
    queued: int = 0
    skipped: int = 0
    empty: int = 0


async def run_school_week(
    job: DigestJob, school_id: str, week: str, progress: Progress | None = None
) -> RunOutcome:
    """Send (or finish sending) the school's digest of ``week``; safe to call any number of
    times, concurrently too. A holiday week sends nothing; a week before its send instant is
    refused (WeekNotDue) and left open."""
    days = week_days(week)  # BadWeek before anything is written
    async with job.pool.acquire() as conn:
        school = await one_school(conn, school_id)
        refuse_early(week, school.schedule, job.clock.now())
        if await is_holiday(conn, school_id, week):
            return RunOutcome(school_id, week, "holiday")
        run_id = await _open_run(conn, school_id, week, job.clock.now())
    while True:
        async with job.pool.acquire() as conn, conn.transaction():
            run = await conn.fetchrow("SELECT * FROM digest_runs WHERE id = $1 FOR UPDATE", run_id)
            assert run is not None
            if run["status"] == "done":
                return _outcome(run)
            batch = await load_batch(
                conn, school_id, days, after=run["cursor"], limit=job.batch_size
            )
            if not batch:
                return _outcome(await _finish(conn, run_id, job.clock.now()))
            await _queue(conn, job, school, run_id, week, batch)
        if progress is not None:
            progress.advanced(len(batch))


async def _open_run(conn: Conn, school_id: str, week: str, now: datetime) -> uuid.UUID:
    """The id of the school's run of that week, started now unless it exists."""
    total = (await count_subscribers(conn, [school_id])).get(school_id, 0)
    row = await conn.fetchrow(
        "INSERT INTO digest_runs (id, school_id, iso_week, status, total, started_at, updated_at)"
        " VALUES ($1, $2, $3, 'running', $4, $5, $5) ON CONFLICT (school_id, iso_week)"
        " DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING id",
        uuid.uuid4(), school_id, week, total, now,
    )  # fmt: skip
    assert row is not None
    return cast(uuid.UUID, row["id"])


async def _queue(
    conn: Conn, job: DigestJob, school: SchoolDigest, run_id: uuid.UUID, week: str,
    batch: list[Subscriber],
) -> EnqueueResult:  # fmt: skip
    now = job.clock.now()
    not_before = school.window.next_send_time(now)
    items = [_sms(sub, run_id, week, school.send_empty, job.max_parts, not_before) for sub in batch]
    pending = [item for item in items if item is not None]
    result = await enqueue_paid(conn, pending, now=now, hold_ttl=job.hold_ttl)
    if job.low_balance is not None and result.short_of_money:
        await check_low_balances(conn, sorted(result.short_of_money), now, job.low_balance)
    await conn.execute(
        "UPDATE digest_runs SET cursor = $2, done = done + $3, queued = queued + $4,"
        " skipped = skipped + $5, empty = empty + $6, updated_at = $7 WHERE id = $1",
        run_id, batch[-1].subscription_id, len(batch), result.queued, result.skipped,
        len(items) - len(pending), now,
    )  # fmt: skip
    return result


def _sms(
    sub: Subscriber, run_id: uuid.UUID, week: str, send_empty: bool, max_parts: int,
    not_before: datetime | None,
) -> PendingSms | None:  # fmt: skip
    """The digest of one subscription, or None for a week without marks (by default)."""
    if sub.week.subjects:
        body = fit_digest(sub.week, sub.language, latin=sub.latin, max_parts=max_parts)
    elif send_empty:
        body = empty_digest(sub.week, sub.language, latin=sub.latin, max_parts=max_parts)
    else:
        return None
    return sms_to(
        sub, event_id=run_id, kind=KIND, dedupe_key=f"{KIND}:{week}", body=body,
        not_before=not_before,
    )  # fmt: skip


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
        run["queued"], run["skipped"], run["empty"],
    )  # fmt: skip
