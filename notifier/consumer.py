"""The Kafka entry point: decode and apply each partition batch in one transaction,
dead-letter what cannot be applied, and commit offsets only after the work is durable.

The offset never moves past a record that was neither applied nor dead-lettered: a failed
dead-letter write is retried (the partition waits), and any unexpected failure seeks back to
the committed offsets so the same records come again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from notifier.applying import BatchResult, apply_batch
from notifier.deadletter import DeadLetters
from notifier.handlers import Handler, HandlerContext
from notifier.metrics import Metrics
from notifier.transient import is_transient

log = logging.getLogger(__name__)

T = TypeVar("T")


class Stopping(Exception):
    """The consumer was asked to stop while waiting to retry; nothing is committed."""


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
        beat: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool, self._kafka, self._handlers = pool, kafka, handlers
        self._prefix, self._ctx, self._dlq, self._metrics = prefix, ctx, dead_letters, metrics
        self._on_queued, self.beat = on_queued, beat
        self._stopping = asyncio.Event()
        self._committing = asyncio.Lock()

    def stop(self) -> None:
        """Finish the batch in hand, commit it, and return from run()."""
        self._stopping.set()

    async def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            self.beat()
            try:
                batch = await self._kafka.getmany(timeout_ms=200, max_records=2000)
                await self._process(batch)
                backoff = 0.5
            except Stopping:
                return
            except Exception as exc:  # the consumer must neither die nor skip records
                log.warning("consumer failed (%r); back to the committed offsets", exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                await self._rewind()

    async def _process(self, batch: Mapping[TopicPartition, list[ConsumerRecord]]) -> None:
        """Partitions side by side, each in its own transaction: a school-wide announcement
        being fanned out never holds back a homework alert in another partition. (Wallets
        are locked in one global order, so they cannot deadlock.)"""
        try:
            async with asyncio.TaskGroup() as group:
                for tp, records in batch.items():
                    group.create_task(self._process_partition(tp, records))
        except BaseExceptionGroup as failed:
            if failed.subgroup(Stopping) is not None:
                raise Stopping from None
            raise failed.exceptions[0] from failed

    async def _rewind(self) -> None:
        try:
            assigned = self._kafka.assignment()
            if assigned:
                await self._kafka.seek_to_committed(*assigned)
        except Exception as exc:  # a rebalance in between also restarts from committed
            log.warning("could not seek back to the committed offsets: %r", exc)

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        topic = tp.topic.removeprefix(self._prefix)
        result = await self._retrying("apply", lambda: self._apply(topic, records), is_transient)
        for record, reason in result.rejected:
            await self._retrying("dead-letter", partial(self._dlq.send, record, reason), _always)
        async with self._committing:  # one commit request at a time
            await self._kafka.commit({tp: records[-1].offset + 1})
        for outcome in result.outcomes:
            self._metrics.events.labels(topic, outcome).inc()
        if result.queued:
            self._on_queued()

    async def _retrying(
        self,
        step: str,
        attempt: Callable[[], Awaitable[T]],
        retry_if: Callable[[BaseException], bool],
    ) -> T:
        """Retry a step that must not be skipped (applying a batch, writing a dead letter)
        until it succeeds or the consumer stops (then nothing is committed)."""
        backoff = 0.2
        while True:
            try:
                return await attempt()
            except Exception as exc:
                if not retry_if(exc):
                    raise
                self._metrics.retries.labels(step).inc()
                log.warning("%s failed, retrying in %.1fs: %r", step, backoff, exc)
            await self._sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return
        raise Stopping

    async def _apply(self, topic: str, records: list[ConsumerRecord]) -> BatchResult:
        handler = self._handlers[topic]
        try:
            return await apply_batch(self._pool, handler, topic, records, self._ctx)
        except asyncpg.PostgresError as exc:
            if is_transient(exc):
                raise
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


def _always(exc: BaseException) -> bool:
    return True
