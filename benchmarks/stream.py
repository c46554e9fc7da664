"""Publishing a stream of diary events at a steady rate, as the diary would, and reading a
topic back to its end (dead-letter topics)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Sequence
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
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
        outcomes = [await _send(client, topic, e) for e in pending]
        results = await asyncio.gather(*outcomes, return_exceptions=True)
        pending = [e for e, r in zip(pending, results, strict=True) if isinstance(r, Exception)]
        if not pending:
            return
        await asyncio.sleep(min(0.2 * (attempt + 1), 2.0))
    raise KafkaError(f"{len(pending)} events were never acknowledged by the broker")


async def _send(client: AIOKafkaProducer, topic: str, event: dict[str, Any]) -> Awaitable[Any]:
    """The send's acknowledgement, or a failed future when the send was refused at once."""
    value = json.dumps(event, ensure_ascii=False).encode()
    try:
        return cast(Awaitable[Any], await client.send(topic, value, key=event["class_id"].encode()))
    except KafkaError as exc:
        failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failed.set_exception(exc)
        return failed


async def read_to_end(bootstrap: str, topics: Sequence[str]) -> list[Any]:
    """Every record now in `topics` (all partitions), without joining a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=_MAX_REQUEST)  # fmt: skip
    parts = await _partitions(bootstrap, topics)
    await consumer.start()
    try:
        if not parts:
            return []
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        return await _drain(consumer, parts, end)
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topics: Sequence[str]) -> list[TopicPartition]:
    """The partitions of those `topics` that exist (a consumer that is not subscribed only
    knows the partitions of topics some brokers volunteer, so ask an admin client)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        known = set(await admin.list_topics())
        wanted = [t for t in topics if t in known]
        described = await admin.describe_topics(wanted) if wanted else []
    finally:
        await admin.close()
    return [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]


async def _drain(
    consumer: AIOKafkaConsumer, parts: list[TopicPartition], end: dict[TopicPartition, int]
) -> list[Any]:
    """Read until every partition reaches its end offset, or nothing came for 3 s (some
    brokers report end offsets loosely), or 30 s passed."""
    records: list[Any] = []
    deadline, idle_since = time.monotonic() + 30, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - idle_since < 3:
        if not [tp for tp in parts if await consumer.position(tp) < end[tp]]:
            break
        batch = await consumer.getmany(timeout_ms=500)
        if batch:
            idle_since = time.monotonic()
        records += [r for rs in batch.values() for r in rs]
    return records
