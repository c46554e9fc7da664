"""Parked events leave the parking here: retried with backoff until the roster catches up,
dead-lettered with the reason after ROSTER_WAIT_SECONDS (notifier/parking.py says why they wait).

Applying parks through notifier/parking.py and this module applies through applying: the two
halves live apart so neither imports the other in a circle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial

import asyncpg
from aiokafka import ConsumerRecord

from notifier.applying import apply_records
from notifier.deadletter import DeadLetters
from notifier.handlers import Handler, HandlerContext
from notifier.metrics import Metrics
from notifier.transient import retry_transaction


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
