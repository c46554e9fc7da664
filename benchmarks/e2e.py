"""The real path end to end: Kafka in -> outbox (priced, held) -> dispatcher -> dev provider,
with the service as a child process (`python -m notifier serve`), as operations run it.

1. A district is seeded by COPY (classes x 25 pupils, ~1.3 subscribed parents a pupil,
   wallets), a backlog of whole-class homework events (~32 SMS each) is published, and the
   service is started: notifications queued per second and SMS dispatched per second.
2. A steady stream of single-pupil homework events at `rate` per second: publish ->
   provider latency, p50 and p99.
Ceilings from the same run: raw Kafka consume of the same topic.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks import pipeline
from benchmarks.e2e_watch import latencies, percentile, watch_outbox
from benchmarks.school import School, build_school, expected_sms, homework_events, recipients
from benchmarks.seed import seed_school
from benchmarks.service_env import service_env
from benchmarks.stream import publish_stream
from devstack.service import ServiceProcess
from notifier.db.migrate import migrate


@dataclass(frozen=True)
class Scale:
    classes: int = 2000
    backlog_events: int = 1500  # whole-class homework, ~32 SMS each
    rate: float = 1000.0  # steady homework events per second (one pupil each)
    steady_s: float = 20.0
    cap_s: float = 180.0  # the longest any phase is waited for


SMOKE = Scale(classes=40, backlog_events=60, rate=100.0, steady_s=3.0, cap_s=15.0)


async def run_e2e(
    database_url: str, bootstrap: str, scale: Scale, *, seeded: bool = False
) -> dict[str, float]:
    """`seeded`: the database already holds the school (`seed`), and perhaps history."""
    work = Path(tempfile.mkdtemp(prefix="e2e-", dir=".devdata"))
    prefix = f"e2e{uuid.uuid4().hex[:8]}."
    topic = prefix + "diary.homework"
    school = build_school(scale.classes)
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        if not seeded:
            await seed_school(conn, school)
        after_id = await conn.fetchval("SELECT coalesce(max(id), 0) FROM notifications")
        backlog = homework_events(school, scale.backlog_events, whole_class_share=1.0)
        await publish_stream(bootstrap, topic, backlog, rate=100_000)
        r: dict[str, float] = {"subscriptions": len(school.subscriptions)}
        r["kafka_raw_records_per_s"] = await pipeline.raw_consume(bootstrap, topic, len(backlog))
        service = ServiceProcess(_env(database_url, bootstrap, prefix, work), work / "logs")
        service.start()
        try:
            r |= await _phases(conn, school, backlog, topic, bootstrap, scale, work, after_id)
        finally:
            r["service_peak_rss_mb"] = service.rss_peak_mb()
            service.stop()
    finally:
        await conn.close()
    return r


async def _phases(
    conn: asyncpg.Connection,
    school: School,
    backlog: list[dict[str, Any]],
    topic: str,
    bootstrap: str,
    scale: Scale,
    work: Path,
    after_id: int,
) -> dict[str, float]:
    rows, sms = recipients(school, backlog), len(expected_sms(school, backlog))
    done = await watch_outbox(conn, rows=rows, sent=sms, cap_s=scale.cap_s, after_id=after_id)
    r: dict[str, float] = {
        "backlog_events": len(backlog),
        "notifications": done.rows,
        "notifications_per_s": done.rows_per_s,
        "sms_sent": done.sent,
        "sms_per_s": done.sent_per_s,
        "backlog_unsent": sms - done.sent,
    }
    steady = homework_events(school, int(scale.rate * scale.steady_s), whole_class_share=0.0,
                             pupils=(1, 1), seed=12)  # fmt: skip
    base = (done.rows, done.sent)
    published = await publish_stream(bootstrap, topic, steady, rate=scale.rate)
    want = len(expected_sms(school, steady))
    await watch_outbox(
        conn, rows=recipients(school, steady), sent=want, cap_s=min(30.0, scale.cap_s),
        base=base, after_id=after_id,
    )  # fmt: skip
    lat = await latencies(conn, work / "sms.jsonl", published, want)
    return r | {
        "steady_events": len(steady),
        "steady_rate": scale.rate,
        "latency_p50_s": percentile(lat.total, 0.50),
        "latency_p99_s": percentile(lat.total, 0.99),
        "latency_unsent": lat.missing,
        "latency_queued_p50_s": percentile(lat.queued, 0.50),
        "latency_queued_p99_s": percentile(lat.queued, 0.99),
    }


async def seed(database_url: str, scale: Scale) -> None:
    """The school `run_e2e` runs with, written ahead (`seeded=True`)."""
    conn = await asyncpg.connect(database_url)
    try:
        await seed_school(conn, build_school(scale.classes))
    finally:
        await conn.close()


def _env(database_url: str, bootstrap: str, prefix: str, work: Path) -> dict[str, str]:
    return service_env(database_url, bootstrap, prefix, work) | {
        "LOW_BALANCE_NOTICE": "flag",
        "DISPATCH_POLL_SECONDS": "0.1",
        "SEND_WINDOW": "00:00-00:00",  # any hour: the benchmark measures sending, not waiting
    }
