"""Dead-letter topic writer: the original message plus why and where it came from.

The value is kept untouched when it fits the broker's limits. A larger one (a diary bug can
publish a value of several MB that the broker took but our producer may not send back) is
dead-lettered as its first `max_value_bytes` bytes, with `dlq.truncated`,
`dlq.original_size` and `dlq.original_sha256` in the headers, so ops can see what it was and
ask the diary team for the original; nothing is skipped for being big.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer, ConsumerRecord

from schemas import dead_letter_topic

log = logging.getLogger(__name__)


class DeadLetters:
    def __init__(
        self,
        producer: AIOKafkaProducer,
        *,
        prefix: str,
        group_id: str,
        max_value_bytes: int = 900_000,
    ) -> None:
        self._producer = producer
        self._prefix = prefix
        self._group_id = group_id
        self._max_value = max_value_bytes

    async def send(self, record: ConsumerRecord, reason: str) -> None:
        """Durably write the record to its topic's DLQ before the caller commits past it."""
        base = record.topic.removeprefix(self._prefix)
        headers = [
            ("dlq.reason", reason[:2000].encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
            ("dlq.consumer_group", self._group_id.encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
            *[(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")],
        ]
        value = record.value  # None: a tombstone stays one, so a re-drive sends it as it was
        if value is not None and len(value) > self._max_value:
            headers += [
                ("dlq.truncated", b"true"),
                ("dlq.original_size", str(len(value)).encode()),
                ("dlq.original_sha256", hashlib.sha256(value).hexdigest().encode()),
            ]
            value = value[: self._max_value]
        await self._producer.send_and_wait(
            self._prefix + dead_letter_topic(base),
            value=value,
            key=record.key,
            headers=headers,
        )
        log.warning(
            "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
        )
