"""Kafka clients built from settings. Nothing connects until started."""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from notifier.settings import Settings
from schemas import NOTIFIER, TOPICS, consumed_by, dead_letter_topic

log = logging.getLogger(__name__)

# The topics this service consumes: those whose consumers name it in the schemas' registry.
CONSUMED = consumed_by(NOTIFIER)


def topic_names(settings: Settings, bases: tuple[str, ...] = CONSUMED) -> list[str]:
    return [settings.kafka_topic_prefix + base for base in bases]


def make_producer(settings: Settings) -> AIOKafkaProducer:
    # No idempotent producer: DLQ writes are keyed and a duplicate there is harmless, and
    # some Kafka-protocol brokers (Tansu) refuse InitProducerId.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
    )


def make_consumer(settings: Settings) -> AIOKafkaConsumer:
    """The service's consumer group member, not subscribed yet (EventConsumer.subscribe)."""
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.kafka_group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        # A partition resumed after its batch commits joins the next fetch request, which the
        # broker holds this long while the other partitions are idle: it bounds what a fresh
        # event waits behind the previous batch (aiokafka's default is 500 ms).
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=max(settings.kafka_session_timeout_ms // 4, 300),
    )


async def ensure_topics(settings: Settings, partitions: int = 3) -> None:
    """Create the consumed topics and every dead-letter topic if they are missing."""
    bases = [*TOPICS, *(dead_letter_topic(t) for t in TOPICS)]
    wanted = [settings.kafka_topic_prefix + b for b in bases]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, 1) for t in wanted if t not in existing]
        if missing:
            await admin.create_topics(missing)
    except TopicAlreadyExistsError:
        pass  # another instance created them first
    finally:
        await admin.close()
