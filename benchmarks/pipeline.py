"""Consuming diary events through the service vs. a raw aiokafka consume of the same topic."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from notifier.app import HANDLERS
from notifier.applying import apply_batch
from notifier.clock import SystemClock
from notifier.handlers import HandlerContext


def _grade(i: int) -> bytes:
    event = {
        "event_id": str(uuid.uuid4()), "event_type": "grade.posted", "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "grade_id": f"g-{i}", "school_id": "s",
        "pupil_id": f"p-{i % 500}", "class_id": "c", "subject": "Математика",
        "lesson_date": "2026-11-20", "assessment": "lesson", "mark": 5, "teacher_id": "t",
    }  # fmt: skip
    return json.dumps(event, ensure_ascii=False).encode()


async def publish(bootstrap: str, topic: str, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False,
                                linger_ms=20, max_batch_size=256 * 1024)  # fmt: skip
    await producer.start()
    try:
        futures = [
            await producer.send(topic, _grade(i), key=f"p-{i % 500}".encode()) for i in range(n)
        ]
        for f in futures:
            await f
    finally:
        await producer.stop()


async def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    """Ceiling: records/s of a bare consumer that decodes nothing."""
    consumer = _consumer(bootstrap, topic)
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            seen += sum(len(records) for records in batch.values())
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def service_consume(bootstrap: str, topic: str, n: int, pool: asyncpg.Pool) -> float:
    """Records/s decoded, validated and applied as the service does: one transaction per
    partition batch, one savepoint per record."""
    ctx = HandlerContext(SystemClock(), 2, timedelta(hours=24))
    consumer = _consumer(bootstrap, topic)
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            for records in batch.values():
                result = await apply_batch(
                    pool, HANDLERS["diary.grades"], "diary.grades", records, ctx
                )
                seen += len(result.outcomes)
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def _consumer(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
