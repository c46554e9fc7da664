"""Gauges read when /metrics is scraped: what is true now, not what happened in this process.

Breaker states come from the routed provider (a breaker turns half-open by the clock alone,
with no event to count), open holds from the ledger, consumer lag from the broker. A part
that cannot be read in time is left out rather than shown stale."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

import asyncpg
from aiohttp import web
from aiokafka import TopicPartition

from gateways.sms.routed import RoutedProvider
from notifier import keys
from notifier.kafka import CONSUMED
from notifier.metrics import BREAKER_STATES, Metrics
from notifier.ops import BrokerUnavailable
from notifier.ops.offsets import OFFSETS, BrokerOffsets
from notifier.ops.overview import queue
from notifier.settings import Settings

log = logging.getLogger(__name__)
TIMEOUT = 3.0

_HOLDS = """
SELECT c.currency, count(h.id) AS open, coalesce(sum(h.amount), 0) AS amount
  FROM (SELECT DISTINCT currency FROM tariffs UNION SELECT currency FROM ledger_holds
         WHERE status = 'open') c
  LEFT JOIN ledger_holds h ON h.currency = c.currency AND h.status = 'open'
 GROUP BY c.currency
"""


async def refresh_gauges(app: web.Application) -> None:
    metrics = app[keys.METRICS]
    provider = app.get(keys.SMS_PROVIDER)
    if isinstance(provider, RoutedProvider):
        for name, state in provider.states().items():
            metrics.breaker_state.labels(name).set(BREAKER_STATES[state])
    if keys.POOL in app:
        try:
            await asyncio.wait_for(_outbox(metrics, app[keys.POOL], app[keys.CLOCK].now()), TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("outbox and open holds not measured: %s", type(exc).__name__)
    if OFFSETS in app:
        await _lag(metrics, app[OFFSETS], app[keys.SETTINGS])


async def _outbox(metrics: Metrics, pool: asyncpg.Pool, now: datetime) -> None:
    async with pool.acquire() as conn:
        waiting = await queue(conn, now)
        rows = await conn.fetch(_HOLDS)
    metrics.queue_depth.set(waiting.due)
    metrics.oldest_due.set(waiting.oldest_due_seconds or 0)
    metrics.open_holds.clear()
    metrics.open_holds_amount.clear()
    for r in rows:
        metrics.open_holds.labels(r["currency"]).set(r["open"])
        metrics.open_holds_amount.labels(r["currency"]).set(r["amount"])


async def _lag(metrics: Metrics, offsets: BrokerOffsets, settings: Settings) -> None:
    lag: dict[TopicPartition, int] | None = None
    with contextlib.suppress(BrokerUnavailable, TimeoutError):
        lag = await asyncio.wait_for(consumer_lag(offsets, settings), TIMEOUT)
    metrics.consumer_lag.clear()
    metrics.consumer_lag_known.set(0 if lag is None else 1)
    for tp, records in (lag or {}).items():
        metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(records)


async def consumer_lag(offsets: BrokerOffsets, settings: Settings) -> dict[TopicPartition, int]:
    """Records not yet committed by the service's consumer group, per partition of the
    consumed topics (a partition it never committed counts from the start of the log)."""
    tps = await offsets.partitions([settings.kafka_topic_prefix + t for t in CONSUMED])
    ends, starts = await offsets.ends(tps), await offsets.starts(tps)
    done = await offsets.committed(settings.kafka_group_id, tps)
    return {tp: max(ends[tp] - max(done.get(tp, starts[tp]), starts[tp]), 0) for tp in tps}
