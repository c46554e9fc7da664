"""The Kafka entry point: decode, apply in one transaction, dead-letter what cannot be applied,
and commit offsets only after the work is durable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from notifier.deadletter import DeadLetters
from notifier.errors import RejectedEvent
from notifier.handlers import Handler, HandlerContext
from notifier.metrics import Metrics
from schemas import InvalidEvent, parse_event

log = logging.getLogger(__name__)

# Failures of the infrastructure, not of the event: retry the same message, never skip it.
TRANSIENT = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


@dataclass(frozen=True)
class Applied:
    queued: int
    duplicate: bool


async def apply_record(
    pool: asyncpg.Pool, handler: Handler, topic: str, record: ConsumerRecord, ctx: HandlerContext
) -> Applied:
    """Decode and apply one record; its event id makes a redelivery a no-op."""
    event = parse_event(topic, record.value or b"")
    async with pool.acquire() as conn, conn.transaction():
        first = await conn.fetchval(
            'INSERT INTO processed_events (event_id, topic, event_type, partition, "offset")'
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING true",
            event.event_id,
            topic,
            event.event_type,
            record.partition,
            record.offset,
        )
        if not first:
            return Applied(0, duplicate=True)
        return Applied(await handler(conn, event, ctx), duplicate=False)


class EventConsumer:
    """One consumer group over the diary's topics."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        kafka: AIOKafkaConsumer,
        handlers: Mapping[str, Handler],
        prefix: str,
        ctx: HandlerContext,
        dead_letters: DeadLetters,
        metrics: Metrics,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool, self._kafka, self._handlers = pool, kafka, handlers
        self._prefix, self._ctx, self._dlq, self._metrics = prefix, ctx, dead_letters, metrics
        self._on_queued = on_queued
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the message in hand, commit, and return from run()."""
        self._stopping.set()

    async def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                batch = await self._kafka.getmany(timeout_ms=200, max_records=500)
                for tp, records in batch.items():
                    await self._process_partition(tp, records)
                backoff = 0.5
            except KafkaError as exc:
                # A failed commit (e.g. during a rebalance) only means redelivery, which the
                # event-id record makes harmless; the loop must survive it.
                log.warning("Kafka error, retrying in %.1fs: %r", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        done = None
        for record in records:
            if self._stopping.is_set():
                break
            await self._process(record)
            done = record.offset
        if done is not None:
            await self._kafka.commit({tp: done + 1})
        if done != records[-1].offset:
            # Stopping mid-batch: rewind so a restart in this process would not skip ahead.
            self._kafka.seek(tp, (done + 1) if done is not None else records[0].offset)

    async def _process(self, record: ConsumerRecord) -> None:
        topic = record.topic.removeprefix(self._prefix)
        backoff = 0.2
        while True:
            try:
                outcome = await self._apply(topic, record)
            except TRANSIENT as exc:
                log.warning("retrying %s@%s after %r", record.topic, record.offset, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            self._metrics.events.labels(topic, outcome).inc()
            return

    async def _apply(self, topic: str, record: ConsumerRecord) -> str:
        try:
            applied = await apply_record(
                self._pool, self._handlers[topic], topic, record, self._ctx
            )
        except (InvalidEvent, RejectedEvent) as exc:
            reason = exc.reason if isinstance(exc, InvalidEvent) else str(exc)
            await self._dlq.send(record, reason)
            return "dead_lettered"
        except TRANSIENT:
            raise
        except Exception as exc:  # a bug must not stall the partition; the DLQ keeps the event
            log.exception("handler failed on %s@%s", record.topic, record.offset)
            await self._dlq.send(record, f"handler error: {type(exc).__name__}: {exc}")
            return "dead_lettered"
        if applied.queued:
            self._on_queued()
        return "duplicate" if applied.duplicate else "applied"
