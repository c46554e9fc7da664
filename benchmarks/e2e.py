"""The real path end to end: Kafka in -> outbox (priced, held) -> dispatcher -> dev provider,
with the service as a child process (`python -m notifier serve`), as operations run it.

1. A district is seeded by COPY (classes x 25 pupils, ~1.3 subscribed parents a pupil,
   wallets), a backlog of whole-class homework events (~32 SMS each) is published, and the
   service is started: notifications queued per second and SMS dispatched per second.
2. Steady streams of single-pupil homework events, one phase per rate (`rates`: 1,000/s,
   then 3,000/s): publish -> provider latency, p50 and p99, each phase its own keys
   (`steady_*`, `peak_*`).
Ceilings from the same run: raw Kafka consume of the same topic.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks import pipeline, scratch
from benchmarks.cpu import CpuWatch
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
    # Homework events per second (one pupil each) of each steady phase: (name, rate).
    rates: tuple[tuple[str, float], ...] = (("steady", 1000.0), ("peak", 3000.0))
    steady_s: float = 20.0  # each phase's length
    cap_s: float = 180.0  # the longest any phase is waited for


SMOKE = Scale(classes=40, backlog_events=60, rates=(("steady", 100.0), ("peak", 300.0)),
              steady_s=3.0, cap_s=15.0)  # fmt: skip


async def run_e2e(
    database_url: str, bootstrap: str, scale: Scale, *, seeded: bool = False
) -> dict[str, float]:
    """`seeded`: the database already holds the school (`seed`), and perhaps history."""
    work = scratch.folder("e2e-")
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
            cpu = CpuWatch(service.pid, conn.get_server_pid())
            r |= await _phases(conn, school, backlog, topic, bootstrap, scale, work, after_id, cpu)
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
    cpu: CpuWatch,
) -> dict[str, float]:
    rows, sms = recipients(school, backlog), len(expected_sms(school, backlog))
    cpu.start()
    done = await watch_outbox(conn, rows=rows, sent=sms, cap_s=scale.cap_s, after_id=after_id)
    r: dict[str, float] = {f"backlog_{k}": v for k, v in cpu.cores().items()} | {
        "backlog_events": len(backlog),
        "notifications": done.rows,
        "notifications_per_s": done.rows_per_s,
        "sms_sent": done.sent,
        "sms_per_s": done.sent_per_s,
        "backlog_unsent": sms - done.sent,
    }
    for seed, (name, rate) in enumerate(scale.rates, start=12):
        phase = await _steady(conn, school, topic, bootstrap, scale, work, rate, seed, cpu)
        r |= {f"{name}_{key}": value for key, value in phase.items()}
    return r


async def _steady(
    conn: asyncpg.Connection,
    school: School,
    topic: str,
    bootstrap: str,
    scale: Scale,
    work: Path,
    rate: float,
    seed: int,
    cpu: CpuWatch,
) -> dict[str, float]:
    """One steady phase at `rate`; returns its figures. Its progress is counted on its own
    rows (those before it are all settled), twice a second: counting every row of the run
    five times a second took a tenth of the machine the service was measured on."""
    steady = homework_events(school, int(rate * scale.steady_s), whole_class_share=0.0,
                             pupils=(1, 1), seed=seed)  # fmt: skip
    after_id = await conn.fetchval("SELECT coalesce(max(id), 0) FROM notifications")
    cpu.start()
    published = await publish_stream(bootstrap, topic, steady, rate=rate)
    want = len(expected_sms(school, steady))
    await watch_outbox(
        conn, rows=recipients(school, steady), sent=want, cap_s=min(30.0, scale.cap_s),
        after_id=after_id, poll_s=0.5,
    )  # fmt: skip
    figures = cpu.cores()
    lat = await latencies(conn, work / "sms.jsonl", published, want)
    figures |= {
        "events": len(steady),
        "rate": rate,
        "latency_p50_s": percentile(lat.total, 0.50),
        "latency_p99_s": percentile(lat.total, 0.99),
        "latency_unsent": lat.missing,
        "queued_p50_s": percentile(lat.queued, 0.50),
        "queued_p99_s": percentile(lat.queued, 0.99),
    }
    return figures


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
