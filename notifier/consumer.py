"""The Kafka entry point: decode and apply each partition batch in one transaction,
dead-letter what cannot be applied, and commit offsets only after the work is durable.

The offset never moves past a record that was neither applied nor dead-lettered: a failed
dead-letter write is retried (the partition waits), and any unexpected failure seeks back to
the committed offsets so the same records come again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping
from functools import partial
from typing import TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError

from notifier.applying import BatchResult, apply_batch
from notifier.deadletter import DeadLetters
from notifier.handlers import Handler, HandlerContext
from notifier.metrics import Metrics
from notifier.transient import is_transient

log = logging.getLogger(__name__)

T = TypeVar("T")

BATCH_RECORDS = 2000  # about this many of a partition's records a transaction (< 3,000)
# Whatever the client has fetched: records of a partition left in its buffer (a fetch brings
# up to 1 MiB a partition, ~2,800 roster events) would hold back the next fetch of every
# partition by aiokafka's prefetch backoff (100 ms), while the partition waits paused.
POLL_RECORDS = 1_000_000


class Stopping(Exception):
    """The consumer was asked to stop while waiting to retry; nothing is committed."""


class EventConsumer:
    """One consumer group over the diary's topics; each partition is worked on by its own
    task, so a school-wide announcement being fanned out never holds back a homework alert
    in another partition, not even until the next poll. A partition is paused while its
    batch is in hand and resumed once that batch is committed, so its records stay in order.
    (Wallets are locked in one global order, so the partitions' transactions cannot deadlock.)"""

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
        self._working: dict[TopicPartition, asyncio.Task[None]] = {}
        self._backoff: dict[TopicPartition, float] = {}
        self._waiting_to_retry = 0  # steps in a retry backoff: the loop is not healthy then

    def stop(self) -> None:
        """Finish the batches in hand, commit them, and return from run()."""
        self._stopping.set()

    def subscribe(self, topics: list[str]) -> None:
        """Partitions taken away are finished and committed before the group moves them."""
        self._kafka.subscribe(topics, listener=_FinishRevoked(self))

    async def run(self) -> None:
        backoff = 0.5
        try:
            while not self._stopping.is_set():
                if not self._waiting_to_retry:
                    self.beat()
                try:
                    batch = await self._kafka.getmany(timeout_ms=200, max_records=POLL_RECORDS)
                    backoff = 0.5
                except Exception as exc:  # the consumer must neither die nor skip records
                    log.warning("poll failed (%r); back to the committed offsets", exc)
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, 30.0)
                    await self._rewind(*self._idle())
                    continue
                for tp, records in batch.items():
                    self._start(tp, records)
        except Stopping:
            pass
        except asyncio.CancelledError:
            for task in self._working.values():
                task.cancel()
            raise
        finally:
            await self.finish(list(self._working))

    async def finish(self, partitions: Collection[TopicPartition]) -> None:
        """Wait for the batches in hand on `partitions` (each ends committed or rewound)."""
        tasks = [t for tp in partitions if (t := self._working.get(tp))]
        if tasks:
            await asyncio.wait(tasks)

    def _start(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        self._kafka.pause(tp)
        name = f"consume {tp.topic}/{tp.partition}"
        self._working[tp] = asyncio.create_task(self._work(tp, records), name=name)

    def _idle(self) -> list[TopicPartition]:
        return [tp for tp in self._kafka.assignment() if tp not in self._working]

    async def _work(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        """A partition's records of one poll, in batches of BATCH_RECORDS, each start to
        commit. A batch not committed (failed, or the consumer stopping mid-retry) puts the
        partition back at the batch's first record before it is resumed, so the same records
        come again and none after them is taken first; after a failure the partition also
        waits a backoff of its own."""
        committed = 0  # records committed so far
        try:
            for batch in _even_batches(records):
                await self._process_partition(tp, batch)
                committed += len(batch)
            self._backoff.pop(tp, None)
        except Stopping:
            pass
        except Exception as exc:  # nothing skipped: the records come again
            backoff = self._backoff[tp] = min(self._backoff.get(tp, 0.25) * 2, 30.0)
            log.warning("%s/%s failed (%r); its batch comes again in %.1fs",
                        tp.topic, tp.partition, exc, backoff)  # fmt: skip
            await self._wait_to_retry(backoff)
        finally:
            with contextlib.suppress(IllegalStateError):  # no longer ours after a rebalance
                if committed < len(records):  # local: needs no broker, cannot fail half-way
                    self._kafka.seek(tp, records[committed].offset)
                self._kafka.resume(tp)
            del self._working[tp]

    async def _wait_to_retry(self, seconds: float, *, stop: bool = False) -> None:
        """Sleep a backoff (raising Stopping if `stop` and the consumer stops meanwhile);
        the loop reports no heartbeat while any step waits to retry."""
        self._waiting_to_retry += 1
        try:
            await self._sleep(seconds)
        except Stopping:
            if stop:
                raise
        finally:
            self._waiting_to_retry -= 1

    async def _rewind(self, *partitions: TopicPartition) -> None:
        assigned = set(self._kafka.assignment())
        mine = [tp for tp in partitions if tp in assigned]
        try:
            if mine:
                await self._kafka.seek_to_committed(*mine)
        except Exception as exc:  # a rebalance in between also restarts from committed
            log.warning("could not seek back to the committed offsets: %r", exc)

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        topic = tp.topic.removeprefix(self._prefix)
        result = await self._retrying("apply", lambda: self._apply(topic, records), is_transient)
        if result.queued:  # committed in PostgreSQL: the dispatcher may send them now
            self._on_queued()
        for record, reason in result.rejected:
            await self._retrying("dead-letter", partial(self._dlq.send, record, reason), _always)
        await self._kafka.commit({tp: records[-1].offset + 1})
        for outcome, count in Counter(result.outcomes).items():  # not once per record
            self._metrics.events.labels(topic, outcome).inc(count)

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
            await self._wait_to_retry(backoff, stop=True)
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


def _even_batches(records: list[ConsumerRecord]) -> list[list[ConsumerRecord]]:
    """The records in batches of even size near BATCH_RECORDS: 4,200 as two of 2,100, not
    2,000, 2,000 and 200 (a batch costs the same few statements, however small)."""
    count = max(1, round(len(records) / BATCH_RECORDS))
    size = -(-len(records) // count)
    return [records[i : i + size] for i in range(0, len(records), size)]


def _always(exc: BaseException) -> bool:
    return True


class _FinishRevoked(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: EventConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._consumer.finish(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None
