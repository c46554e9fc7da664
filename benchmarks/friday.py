"""Friday evening as production lives it: n weekly digests composed, charged, queued and
submitted to the dev provider by the service itself (`python -m notifier serve`).

n subscriptions in schools of 500 pupils (~20 marks each this week, one wallet each, loaded
by the importer's set-based path) are seeded, not timed. Every school's digest is made due
now (today's weekday, 00:00 local), the service is started, and its scheduler's first tick
(a minute after start) sends them: school after school, while the dispatcher submits.
Timed from the first run's start to the last SMS handed to the provider; the service's peak
RSS (VmHWM) is its high-water mark over the whole run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from benchmarks import scratch
from benchmarks.digests import seed_digest_schools
from benchmarks.service_env import service_env
from devstack.service import ServiceProcess
from notifier.digest.schedule import iso_week

SCHOOL_SIZE = 500
ZONE = ZoneInfo("Asia/Almaty")
_PROGRESS = """
SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) AS runs,
       coalesce(sum(queued), 0) AS queued, min(started_at) AS started,
       max(finished_at) AS finished FROM digest_runs WHERE iso_week = $1
"""
_DIGEST = b'"kind": "weekly_digest"'  # in each digest's line on the dev provider's handset


async def friday(database_url: str, bootstrap: str, n: int, cap_s: float) -> dict[str, float]:
    today = datetime.now(UTC).astimezone(ZONE).date()
    week = iso_week(today)
    schools = -(-n // SCHOOL_SIZE)
    prefix = f"fri{uuid.uuid4().hex[:6]}."
    async with asyncpg.create_pool(database_url, min_size=1, max_size=4) as pool:
        seeded = time.perf_counter()
        monday = today - timedelta(days=today.isoweekday() - 1)
        await seed_digest_schools(pool, prefix, schools, SCHOOL_SIZE, monday)
        await _due_now(pool, prefix, today)
        await pool.execute("ANALYZE")  # a live database has its statistics (autovacuum)
        took = time.perf_counter() - seeded
        print(f"friday: {schools * SCHOOL_SIZE:,} subscriptions seeded in {took:.0f} s", flush=True)
    work = scratch.folder("friday-")
    service = ServiceProcess(_env(database_url, bootstrap, prefix, work), work / "logs")
    service.start()
    try:
        r = await _watch(database_url, week, schools, cap_s, work / "sms.jsonl")
    finally:
        r["digests_service_peak_rss_mb"] = service.rss_peak_mb()
        service.stop()
    return r


async def _due_now(pool: asyncpg.Pool, prefix: str, today: date) -> None:
    """Each school's digest due since 00:00 today, sent at any hour."""
    await pool.execute(
        "INSERT INTO digest_settings (school_id, send_weekday, send_time, window_start,"
        " window_end, updated_at) SELECT id, $2, '00:00', '00:00', '00:00', now() FROM schools"
        " WHERE id LIKE $1 || '%'",
        prefix,
        today.isoweekday(),
    )


class _Handset:
    """Counts the digests on the dev provider's handset (its JSON-lines file) as they arrive:
    reading what was appended costs the machine nothing, where counting sent rows in
    PostgreSQL every few seconds scanned a table of a million rows beside the service."""

    def __init__(self, path: Path) -> None:
        self._path, self._read_to, self.digests = path, 0, 0

    def catch_up(self) -> datetime:
        """Count the complete lines appended since the last look; returns the time of the look."""
        if self._path.exists():
            with self._path.open("rb") as f:
                f.seek(self._read_to)
                chunk = f.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self._read_to += len(complete)
            self.digests += complete.count(_DIGEST)
        return datetime.now(UTC)


async def _watch(
    database_url: str, week: str, schools: int, cap_s: float, handset_file: Path
) -> dict[str, float]:
    conn = await asyncpg.connect(database_url)
    deadline = time.monotonic() + cap_s
    handset = _Handset(handset_file)
    try:
        while True:
            runs = await conn.fetchrow(_PROGRESS, week)
            assert runs is not None
            last_sent, sent = handset.catch_up(), handset.digests
            if runs["done"] == schools and sent >= runs["queued"]:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"friday bench: {runs['done']} of {schools} schools done, "
                    f"{sent:,} of {runs['queued']:,} sent after {cap_s:.0f} s"
                )
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    queued_s = (runs["finished"] - runs["started"]).total_seconds()
    sent_s = (last_sent - runs["started"]).total_seconds()
    return {
        "digests_queued": float(runs["queued"]),
        "digest_run_seconds": queued_s,
        "digests_per_s": runs["queued"] / queued_s,
        "digests_submitted_seconds": sent_s,
        "digests_submitted_per_s": sent / sent_s,
    }


def _env(database_url: str, bootstrap: str, prefix: str, work: Path) -> dict[str, str]:
    return service_env(database_url, bootstrap, prefix, work) | {"LOW_BALANCE_NOTICE": "flag"}
