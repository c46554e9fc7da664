"""A country's roster loaded through Kafka: a district's pupils enrolled and their parents
linked, published to `diary.roster` (key: the pupil id, 3 partitions as the service creates
them) before the service starts, then applied by the service as a child process
(`python -m notifier serve`), as operations run it.

Figure: roster events applied per second, from the first event seen applied to the last
(start-up is not counted). Ceiling from the same run: a raw consume of the same messages.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks import pipeline, scratch
from benchmarks.service_env import service_env
from devstack.service import ServiceProcess

PUPILS_PER_CLASS = 25
_APPLIED = "SELECT count(*) FROM processed_events WHERE topic = 'diary.roster'"


def roster_events(classes: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of each event: every pupil enrolled, then linked to one parent, and every
    third pupil to a second one (about 2.3 events a pupil)."""
    at = datetime(2026, 8, 25, 6, 0, tzinfo=UTC)
    events: list[tuple[bytes, bytes]] = []
    for c in range(classes):
        school, kg = f"sch-{c // 40}", c % 5 == 4
        for p in range(PUPILS_PER_CLASS):
            pupil = f"pup-{c}-{p}"
            events.append(_event(pupil, at, "pupil.enrolled", pupil_id=pupil, school_id=school,
                school_name=f"Школа №{c // 40}", school_country="KG" if kg else "KZ",
                class_id=f"cls-{c}", class_name=f"{5 + c % 7}{'АБВГ'[c % 4]}",
                first_name="Айгерим", locale="ky" if kg else "ru",
                time_zone="Asia/Bishkek" if kg else "Asia/Almaty"))  # fmt: skip
            for parent in ("mother", "father")[: 1 + (p % 3 == 0)]:
                events.append(_event(pupil, at + timedelta(seconds=1), "parent.linked",
                                     parent_id=f"{parent}-{pupil}", pupil_id=pupil))  # fmt: skip
    return events


def _event(key: str, at: datetime, event_type: str, **fields: str) -> tuple[bytes, bytes]:
    event = {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1,
             "occurred_at": at.isoformat()} | fields  # fmt: skip
    return key.encode(), json.dumps(event, ensure_ascii=False).encode()


async def roster_rates(database_url: str, bootstrap: str, classes: int) -> dict[str, float]:
    """Roster events/s applied by the service, and the raw consume of the same messages."""
    work = scratch.folder("roster-")
    prefix = f"roster{uuid.uuid4().hex[:8]}."
    events = roster_events(classes)
    await _publish(bootstrap, prefix + "diary.roster", events)
    r = {"roster_events": float(len(events))}
    r["kafka_roster_raw_per_s"] = await pipeline.raw_consume(
        bootstrap, prefix + "diary.roster", len(events)
    )
    conn = await asyncpg.connect(database_url)
    service = ServiceProcess(service_env(database_url, bootstrap, prefix, work), work / "logs")
    try:
        service.start()
        r["roster_events_per_s"] = await _watch(conn, len(events), cap_s=300.0)
        r["roster_pupils"] = await conn.fetchval("SELECT count(*) FROM pupils")
        r["roster_links"] = await conn.fetchval("SELECT count(*) FROM parent_links")
    finally:
        service.stop()
        await conn.close()
    return r


async def _publish(bootstrap: str, topic: str, events: list[tuple[bytes, bytes]]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False,
                                linger_ms=20, max_batch_size=256 * 1024)  # fmt: skip
    await producer.start()
    try:
        sent = [await producer.send(topic, value, key=key) for key, value in events]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _watch(conn: asyncpg.Connection, n: int, cap_s: float) -> float:
    """Poll until all `n` events are applied (or `cap_s`): events/s from the last moment none
    was applied (the service's start-up left out) to the last seen. The service applies a
    whole poll's records at once, so a small load may land between two samples."""
    idle = time.monotonic()
    last = (idle, 0)
    deadline = idle + cap_s
    while time.monotonic() < deadline and last[1] < n:
        applied, now = await conn.fetchval(_APPLIED), time.monotonic()
        if not applied:
            idle = now
        elif applied > last[1]:
            last = (now, applied)
        await asyncio.sleep(0.1)
    return last[1] / (last[0] - idle) if last[1] else 0.0
