"""Dead letters waiting per topic, and why the latest of them were dead-lettered.

Waiting = what `notifier.redrive.redrive` would move: from the re-drive group's committed
offset (or the start of the log, before the first re-drive) to the end, per partition."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import ConsumerRecord, TopicPartition

from notifier.kafka import CONSUMED
from notifier.ops.offsets import BrokerOffsets
from notifier.settings import Settings
from schemas import dead_letter_topic

LATEST = 5


@dataclass(frozen=True)
class DeadLetter:
    reason: str
    failed_at: str | None  # as the consumer wrote it (ISO 8601)
    original_partition: int | None
    original_offset: int | None
    key: str | None


@dataclass(frozen=True)
class DeadLetterTopic:
    topic: str  # the topic the events came from, e.g. diary.roster
    dead_letter_topic: str  # where they wait, with the prefix
    waiting: int
    latest: list[DeadLetter]  # newest first, at most LATEST


def redrive_group(settings: Settings) -> str:
    return f"{settings.kafka_group_id}-redrive"  # as notifier.redrive names it


async def dead_letters(offsets: BrokerOffsets, settings: Settings) -> list[DeadLetterTopic]:
    """Raises BrokerUnavailable when the broker does not answer."""
    names = {settings.kafka_topic_prefix + dead_letter_topic(t): t for t in CONSUMED}
    tps = await offsets.partitions(list(names))
    ends, starts = await offsets.ends(tps), await offsets.starts(tps)
    done = await offsets.committed(redrive_group(settings), tps)
    firsts = {tp: max(done.get(tp, starts[tp]), starts[tp]) for tp in tps}
    found = []
    for name, base in names.items():
        mine = [tp for tp in tps if tp.topic == name]
        waiting = sum(max(ends[tp] - firsts[tp], 0) for tp in mine)
        found.append(
            DeadLetterTopic(base, name, waiting, await _latest(offsets, mine, firsts, ends))
        )
    return found


async def _latest(
    offsets: BrokerOffsets, tps: list[TopicPartition], firsts: dict[TopicPartition, int],
    ends: dict[TopicPartition, int],
) -> list[DeadLetter]:  # fmt: skip
    records: list[ConsumerRecord[bytes, bytes]] = []
    for tp in tps:
        records += await offsets.last_records(tp, max(firsts[tp], ends[tp] - LATEST), ends[tp])
    records.sort(key=lambda r: r.timestamp, reverse=True)
    return [_described(r) for r in records[:LATEST]]


def _described(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
    partition, offset = headers.get("dlq.original_partition"), headers.get("dlq.original_offset")
    return DeadLetter(
        reason=headers.get("dlq.reason", "(no reason recorded)"),
        failed_at=headers.get("dlq.failed_at"),
        original_partition=int(partition) if partition and partition.isdigit() else None,
        original_offset=int(offset) if offset and offset.isdigit() else None,
        key=record.key.decode("utf-8", "replace") if record.key is not None else None,
    )


def is_dead_letter_source(topic: str) -> bool:
    """Only the topics this service dead-letters can be re-driven from the console."""
    return topic in CONSUMED
