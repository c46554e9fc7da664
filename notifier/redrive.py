"""Re-drive: put dead-lettered messages back on their original topic once the cause is fixed
(e.g. the pupil a link named has since been enrolled). Events keep their event_id, so
anything already applied stays applied once."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from notifier.kafka import make_producer
from notifier.settings import Settings
from schemas import dead_letter_topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Redriven:
    moved: int
    topic: str


async def redrive(settings: Settings, topic: str, *, limit: int | None = None) -> Redriven:
    """Move up to `limit` messages from `topic`'s dead-letter topic back to `topic`, oldest
    first. Offsets of the re-drive group are committed only after the copy is acknowledged."""
    source = settings.kafka_topic_prefix + dead_letter_topic(topic)
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"{settings.kafka_group_id}-redrive",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=max(settings.kafka_session_timeout_ms // 4, 300),
    )
    producer = make_producer(settings)
    try:  # a broker that cannot be reached still leaves both clients closed
        await asyncio.gather(consumer.start(), producer.start())
        return Redriven(
            await _move(consumer, producer, settings.kafka_topic_prefix + topic, limit), topic
        )
    finally:
        await asyncio.gather(consumer.stop(), producer.stop())


async def _move(
    consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, target: str, limit: int | None
) -> int:
    moved = 0
    while limit is None or moved < limit:
        batch = await consumer.getmany(timeout_ms=2000, max_records=limit or 500)
        if not batch:
            return moved  # the dead-letter topic is drained
        for tp, records in batch.items():
            for record in records[: (limit - moved) if limit is not None else None]:
                headers = [(k, v) for k, v in record.headers if not k.startswith("dlq.")]
                headers.append(("redriven_from", f"{tp.topic}@{record.offset}".encode()))
                await producer.send_and_wait(target, record.value, key=record.key, headers=headers)
                await consumer.commit({tp: record.offset + 1})
                moved += 1
    return moved
