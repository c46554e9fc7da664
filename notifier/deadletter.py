"""Dead-letter topic writer: the original message, untouched, plus why and where it came from."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer, ConsumerRecord

from schemas import dead_letter_topic

log = logging.getLogger(__name__)


class DeadLetters:
    def __init__(self, producer: AIOKafkaProducer, *, prefix: str, group_id: str) -> None:
        self._producer = producer
        self._prefix = prefix
        self._group_id = group_id

    async def send(self, record: ConsumerRecord, reason: str) -> None:
        """Durably write the record to its topic's DLQ before the caller commits past it."""
        base = record.topic.removeprefix(self._prefix)
        headers = [
            ("dlq.reason", reason.encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
            ("dlq.consumer_group", self._group_id.encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
            *[(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")],
        ]
        await self._producer.send_and_wait(
            self._prefix + dead_letter_topic(base),
            value=record.value,
            key=record.key,
            headers=headers,
        )
        log.warning(
            "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
        )
