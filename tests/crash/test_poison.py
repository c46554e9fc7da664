"""Poison between valid events: a 2 MB record and a 1.1 MB one, both too big for the
dead-letter producer (1 MB requests). Every valid event around them is applied, and each bad
one ends up in the dead-letter topic (possibly cut down) instead of being skipped."""

from __future__ import annotations

import json
import os

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks.stream import producer, read_to_end
from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]

BIG = 8 * 1024 * 1024


async def _topic_taking_big_records(storm: Storm) -> str:
    """The homework topic, made before the service starts, accepting records up to 8 MB."""
    topic = storm.settings.kafka_topic_prefix + "diary.homework"
    admin = AIOKafkaAdminClient(bootstrap_servers=storm.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        config = {"max.message.bytes": str(BIG)}
        await admin.create_topics([NewTopic(topic, 3, 1, topic_configs=config)])
    finally:
        await admin.close()
    return topic


def _poison(storm: Storm) -> list[bytes]:
    too_long = dict(storm.events[0], event_id="00000000-0000-4000-8000-00000000b16b")
    too_long["text"] = "д" * 550_000  # 1.1 MB of UTF-8, far over the schema's 4000 chars
    return [os.urandom(2 * 1024 * 1024), json.dumps(too_long, ensure_ascii=False).encode()]


async def _publish_with_poison(storm: Storm, topic: str) -> list[tuple[int, int]]:
    """Valid events with the poison in the middle, on valid events' partitions; returns
    (partition, offset) of each poisoned record."""
    client = producer(storm.settings.kafka_bootstrap_servers)
    await client.start()
    bad_at = []
    try:
        third = len(storm.events) // 3
        for i, event in enumerate(storm.events):
            key = event["class_id"].encode()
            if i in (third, 2 * third):
                meta = await client.send_and_wait(topic, _poison(storm)[i // third - 1], key=key)
                bad_at.append((meta.partition, meta.offset))
            await client.send_and_wait(topic, json.dumps(event).encode(), key=key)
    finally:
        await client.stop()
    return bad_at


async def test_oversized_poison_is_dead_lettered_and_nothing_valid_is_skipped(
    storm: Storm,
) -> None:
    await storm.seed(classes=20, events=300)
    topic = await _topic_taking_big_records(storm)
    await storm.start()

    bad_at = await _publish_with_poison(storm, topic)

    result = await storm.verdict("2 MB + 1.1 MB poison")
    letters = await read_to_end(storm.settings.kafka_bootstrap_servers, [topic + ".dlq"])
    origins = {
        (int(h["dlq.original_partition"]), int(h["dlq.original_offset"]))
        for h in ({k: v.decode() for k, v in r.headers} for r in letters)
    }
    assert set(bad_at) <= origins, f"poison skipped, not dead-lettered: {bad_at} vs {origins}"
    assert_clean(result, storm)
