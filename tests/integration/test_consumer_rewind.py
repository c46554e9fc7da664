"""A partition batch whose commit is refused (the group rebalanced meanwhile, the coordinator
moved) comes again from its first record, so its offset is committed in the end and nothing
is skipped: the partition is put back before it is resumed. Real broker, real PostgreSQL,
the real grade handler; the one refused commit is injected into the Kafka client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka.errors import CommitFailedError

from notifier.clock import SystemClock
from notifier.consumer import EventConsumer
from notifier.deadletter import DeadLetters
from notifier.handlers import HandlerContext
from notifier.handlers.grades import apply_grade_event
from notifier.kafka import ensure_topics, make_consumer, make_producer
from notifier.metrics import Metrics
from notifier.settings import Settings
from tests.support import publish, wait_for

pytestmark = pytest.mark.kafka

ROSTER = """
INSERT INTO schools (id, name, country) VALUES ('s', 'S', 'KZ');
INSERT INTO classes (id, school_id, name) VALUES ('c', 's', '5А');
INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)
    VALUES ('p', 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now());
"""


def _grade(grade_id: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "event_type": "grade.posted", "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "grade_id": grade_id, "school_id": "s",
        "pupil_id": "p", "class_id": "c", "subject": "Физика", "lesson_date": "2026-11-20",
        "assessment": "lesson", "mark": 4, "teacher_id": "t",
    }  # fmt: skip


async def test_a_batch_whose_commit_was_refused_comes_again_and_is_committed(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    await pool.execute(ROSTER)
    await ensure_topics(settings)
    topic = settings.kafka_topic_prefix + "diary.grades"
    for grade_id in ("g1", "g2", "g3", "g4"):
        await publish(settings.kafka_bootstrap_servers, topic, "p", _grade(grade_id))

    kafka, producer = make_consumer(settings), make_producer(settings)
    commit, refused = kafka.commit, []

    async def refused_once(offsets: Any = None) -> None:
        if not refused:
            refused.append(offsets)
            raise CommitFailedError("the group rebalanced")
        await commit(offsets)

    kafka.commit = refused_once  # type: ignore[method-assign]

    async def committed_to_the_end() -> bool:
        if not refused:
            return False
        [partition] = refused[0]  # the one partition the key "p" goes to
        ends = await kafka.end_offsets([partition])
        return bool(await kafka.committed(partition) == ends[partition])

    await _consume_until(settings, pool, kafka, producer, topic, committed_to_the_end)

    stored = await pool.fetch("SELECT id FROM grades ORDER BY id")
    assert [r["id"] for r in stored] == ["g1", "g2", "g3", "g4"]


async def test_a_poll_longer_than_a_batch_is_committed_batch_by_batch_and_resumed_at_the_failed_one(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll brings all the client has fetched; a partition's records are applied in
    batches, each committed, and a refused commit puts the partition back at its batch only."""
    monkeypatch.setattr("notifier.consumer.BATCH_RECORDS", 2)
    await pool.execute(ROSTER)
    await ensure_topics(settings)
    topic = settings.kafka_topic_prefix + "diary.grades"
    for grade_id in ("g1", "g2", "g3", "g4"):
        await publish(settings.kafka_bootstrap_servers, topic, "p", _grade(grade_id))

    kafka, producer = make_consumer(settings), make_producer(settings)
    commit, offsets_seen = kafka.commit, []

    async def second_refused_once(offsets: Any = None) -> None:
        offsets_seen.append(next(iter(offsets.values())))
        if len(offsets_seen) == 2:
            raise CommitFailedError("the group rebalanced")
        await commit(offsets)

    kafka.commit = second_refused_once  # type: ignore[method-assign]

    async def committed_to_the_end() -> bool:
        return bool(offsets_seen) and offsets_seen[-1] == 4 and len(offsets_seen) > 2

    await _consume_until(settings, pool, kafka, producer, topic, committed_to_the_end)

    # 2 committed; 4 refused, so g3 and g4 came again (as duplicates, applied once).
    assert offsets_seen[:2] == [2, 4]
    assert offsets_seen[-1] == 4
    stored = await pool.fetch("SELECT id FROM grades ORDER BY id")
    assert [r["id"] for r in stored] == ["g1", "g2", "g3", "g4"]


async def _consume_until(
    settings: Settings, pool: asyncpg.Pool, kafka: Any, producer: Any, topic: str,
    done: Callable[[], Awaitable[bool]],
) -> None:  # fmt: skip
    """Run a grades consumer on `topic` until `done` (at most 30 s), then stop it."""
    consumer = EventConsumer(
        pool=pool, kafka=kafka, handlers={"diary.grades": apply_grade_event},
        prefix=settings.kafka_topic_prefix,
        ctx=HandlerContext(SystemClock(), 2, timedelta(hours=1)),
        dead_letters=DeadLetters(producer, prefix=settings.kafka_topic_prefix,
                                 group_id=settings.kafka_group_id),
        metrics=Metrics(),
    )  # fmt: skip
    consumer.subscribe([topic])
    await asyncio.gather(kafka.start(), producer.start())
    running = asyncio.create_task(consumer.run())
    try:
        assert await wait_for(done, 30)
    finally:
        consumer.stop()
        await running
        await asyncio.gather(kafka.stop(), producer.stop())
