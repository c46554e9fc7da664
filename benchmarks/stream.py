"""Publishing a stream of diary events at a steady rate, as the diary would, and reading a
topic back to its end (dead-letter topics)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

_TICK = 0.05
_MAX_REQUEST = 8 * 1024 * 1024


def producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,
        acks="all",
        linger_ms=5,
        max_request_size=_MAX_REQUEST,
        request_timeout_ms=10_000,
    )


async def publish_stream(
    bootstrap: str, topic: str, events: Sequence[dict[str, Any]], *, rate: float
) -> dict[str, float]:
    """Publish `events` in order (key: class id) at about `rate` per second; returns each
    event id's publish time (epoch seconds). A send the broker did not acknowledge (it was
    restarting) is sent again: the event id makes a second copy harmless."""
    sent: dict[str, float] = {}
    client = producer(bootstrap)
    await client.start()
    try:
        per_tick = max(1, round(rate * _TICK))
        started = time.monotonic()
        for tick, start in enumerate(range(0, len(events), per_tick)):
            await asyncio.sleep(max(0.0, started + tick * _TICK - time.monotonic()))
            chunk = events[start : start + per_tick]
            await _send_chunk(client, topic, chunk)
            now = time.time()
            sent.update((e["event_id"], now) for e in chunk)
    finally:
        await client.stop()
    return sent


async def _send_chunk(
    client: AIOKafkaProducer, topic: str, chunk: Sequence[dict[str, Any]]
) -> None:
    pending = list(chunk)
    for attempt in range(60):
        futures = [
            await client.send(topic, json.dumps(e, ensure_ascii=False).encode(),
                              key=e["class_id"].encode())
            for e in pending
        ]  # fmt: skip
        results = await asyncio.gather(*futures, return_exceptions=True)
        pending = [e for e, r in zip(pending, results, strict=True) if isinstance(r, Exception)]
        if not pending:
            return
        await asyncio.sleep(min(0.2 * (attempt + 1), 2.0))
    raise KafkaError(f"{len(pending)} events were never acknowledged by the broker")


async def read_to_end(bootstrap: str, topics: Sequence[str]) -> list[Any]:
    """Every record now in `topics` (all partitions), without joining a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=_MAX_REQUEST)  # fmt: skip
    await consumer.start()
    try:
        known = await consumer.topics()
        parts = [
            TopicPartition(t, p)
            for t in topics
            if t in known
            for p in consumer.partitions_for_topic(t) or ()
        ]
        if not parts:
            return []
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        records: list[Any] = []
        async with asyncio.timeout(30):
            while [tp for tp in parts if await consumer.position(tp) < end[tp]]:
                batch = await consumer.getmany(timeout_ms=500)
                records += [r for rs in batch.values() for r in rs]
        return records
    finally:
        await consumer.stop()
