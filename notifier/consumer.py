"""The Kafka entry point: decode and apply each partition batch in one transaction,
dead-letter what cannot be applied, and commit offsets only after the work is durable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from notifier.applying import TRANSIENT, BatchResult, apply_batch
from notifier.deadletter import DeadLetters
from notifier.handlers import Handler, HandlerContext
from notifier.metrics import Metrics

log = logging.getLogger(__name__)


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
        """Finish the batch in hand, commit it, and return from run()."""
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
            except Exception:  # whatever it is, the consumer must not die silently
                log.exception("consumer loop failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        topic = tp.topic.removeprefix(self._prefix)
        result = await self._apply_until_done(topic, records)
        for record, reason in result.rejected:
            await self._dlq.send(record, reason)  # durable before the offset moves past it
        await self._kafka.commit({tp: records[-1].offset + 1})
        for outcome in result.outcomes:
            self._metrics.events.labels(topic, outcome).inc()
        if result.queued:
            self._on_queued()

    async def _apply_until_done(self, topic: str, records: list[ConsumerRecord]) -> BatchResult:
        backoff = 0.2
        while True:
            try:
                return await self._apply(topic, records)
            except TRANSIENT as exc:
                log.warning("retrying %d records of %s after %r", len(records), topic, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _apply(self, topic: str, records: list[ConsumerRecord]) -> BatchResult:
        handler = self._handlers[topic]
        try:
            return await apply_batch(self._pool, handler, topic, records, self._ctx)
        except TRANSIENT:
            raise  # connection errors are PostgresErrors too, but not the record's fault
        except asyncpg.PostgresError as exc:
            if len(records) == 1:
                # Refused at commit (e.g. a deferred ledger check): only this record is at
                # fault, so it goes to the dead-letter topic instead of blocking the partition.
                log.exception("record %s@%s refused at commit", records[0].topic, records[0].offset)
                return BatchResult(["dead_lettered"], [(records[0], f"refused at commit: {exc}")])
            # Find the culprit: apply each record in its own transaction.
            results = [await self._apply(topic, [record]) for record in records]
            return BatchResult(
                [o for r in results for o in r.outcomes],
                [x for r in results for x in r.rejected],
                sum(r.queued for r in results),
            )
