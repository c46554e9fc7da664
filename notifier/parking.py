"""Events that name a pupil or class the roster has not brought yet wait here.

Roster and the other topics are different topics, so a homework or a parent link can arrive
before the pupil it names. Such an event is parked in the database in the same transaction as
its batch (so its offset can move on and nothing is lost), retried with backoff, applied as
soon as the roster catches up, and dead-lettered with the reason once it has waited
ROSTER_WAIT_SECONDS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg
from aiokafka import ConsumerRecord

from billing.types import Conn
from notifier.transient import retry_transaction

if TYPE_CHECKING:
    from notifier.deadletter import DeadLetters
    from notifier.handlers import Handler, HandlerContext
    from notifier.metrics import Metrics

log = logging.getLogger(__name__)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 30))


async def park(
    conn: Conn, topic: str, record: ConsumerRecord, event_id: UUID, reason: str, now: datetime
) -> None:
    """Keep the record for a later try; parking it again only counts the attempt."""
    await conn.execute(
        'INSERT INTO parked_events (event_id, topic, partition, "offset", key, value, reason,'
        " parked_at, next_try_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz,"
        " $8::timestamptz + interval '1 s')"
        " ON CONFLICT (event_id) DO UPDATE SET attempts = parked_events.attempts + 1,"
        " reason = EXCLUDED.reason, next_try_at = $8 + make_interval(secs =>"
        " least(power(2, parked_events.attempts + 1), 30))",
        *(event_id, topic, record.partition, record.offset, record.key, record.value, reason),
        now,
    )
    log.info("parked %s@%s until the roster catches up: %s", record.topic, record.offset, reason)


class ParkedEvents:
    """Retries parked events; run `retry_due` every second or so (supervised)."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        handlers: Mapping[str, Handler],
        prefix: str,
        ctx: HandlerContext,
        dead_letters: DeadLetters,
        wait: timedelta,
        metrics: Metrics,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool, self._handlers, self._prefix = pool, handlers, prefix
        self._ctx, self._dlq, self._wait = ctx, dead_letters, wait
        self._metrics, self._on_queued = metrics, on_queued

    async def retry_due(self, limit: int = 100) -> int:
        """Try every due parked event once; returns how many left the parking."""
        now = self._ctx.clock.now()
        rows = await self._pool.fetch(
            "SELECT * FROM parked_events WHERE next_try_at <= $1 ORDER BY next_try_at LIMIT $2",
            now,
            limit,
        )
        left = 0
        for row in rows:  # a retry chosen to break a deadlock runs again (README, "Lock order")
            left += await retry_transaction(partial(self._retry, row, now), what="parked event")
        return left

    async def _retry(self, row: asyncpg.Record, now: datetime) -> int:
        from notifier.applying import apply_records  # applying parks through this module

        record = ConsumerRecord(
            self._prefix + row["topic"], row["partition"], row["offset"], 0, 0,
            row["key"], row["value"], None, 0, len(row["value"]), (),
        )  # fmt: skip
        async with self._pool.acquire() as conn, conn.transaction():
            result = await apply_records(
                conn, self._handlers[row["topic"]], row["topic"], [record], self._ctx
            )
            if result.outcomes == ["parked"] and row["parked_at"] + self._wait > now:
                return 0  # still waiting; park() counted the attempt
            if result.outcomes == ["parked"]:
                why = f"{row['reason']} (waited {self._wait.total_seconds():.0f} s for the roster)"
                result.rejected.append((record, why))
                result.outcomes = ["dead_lettered"]
            for rejected, reason in result.rejected:
                await self._dlq.send(rejected, reason)  # durable before the row goes
            await conn.execute("DELETE FROM parked_events WHERE event_id = $1", row["event_id"])
        for outcome in result.outcomes:
            self._metrics.events.labels(row["topic"], outcome).inc()
        if result.queued:
            self._on_queued()
        return 1
