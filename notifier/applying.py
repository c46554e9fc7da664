"""Applying consumed records to the database: one transaction per partition batch, one
savepoint per record, so a record that cannot be applied is rolled back alone and a batch
costs one commit instead of one per event."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import ConsumerRecord

from billing.types import Conn
from notifier.errors import RejectedEvent
from notifier.handlers import Handler, HandlerContext
from schemas import DiaryEvent, InvalidEvent, parse_event

log = logging.getLogger(__name__)

# Failures of the infrastructure, not of the event: retry the same records, never skip them.
TRANSIENT = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


@dataclass(frozen=True)
class Applied:
    queued: int
    duplicate: bool


@dataclass
class BatchResult:
    outcomes: list[str] = field(default_factory=list)  # applied | duplicate | dead_lettered
    rejected: list[tuple[ConsumerRecord, str]] = field(default_factory=list)
    queued: int = 0


async def _apply(
    conn: Conn, handler: Handler, topic: str, record: ConsumerRecord, event: DiaryEvent,
    ctx: HandlerContext,
) -> Applied:  # fmt: skip
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


async def apply_record(
    pool: asyncpg.Pool, handler: Handler, topic: str, record: ConsumerRecord, ctx: HandlerContext
) -> Applied:
    """Decode and apply one record in its own transaction; its event id makes a redelivery a
    no-op. Raises InvalidEvent / RejectedEvent for records that cannot be applied."""
    event = parse_event(topic, record.value)
    async with pool.acquire() as conn, conn.transaction():
        return await _apply(conn, handler, topic, record, event, ctx)


async def apply_batch(
    pool: asyncpg.Pool,
    handler: Handler,
    topic: str,
    records: Sequence[ConsumerRecord],
    ctx: HandlerContext,
) -> BatchResult:
    """Apply records in order, committing once. Records that cannot be applied are returned in
    `rejected` with a reason (for the dead-letter topic); TRANSIENT errors propagate and the
    whole batch is retried (already-applied records are then recognised as duplicates)."""
    result = BatchResult()
    async with pool.acquire() as conn, conn.transaction():
        for record in records:
            reason = await _apply_one(conn, handler, topic, record, ctx, result)
            if reason is not None:
                result.rejected.append((record, reason))
                result.outcomes.append("dead_lettered")
    return result


async def _apply_one(
    conn: Conn, handler: Handler, topic: str, record: ConsumerRecord, ctx: HandlerContext,
    result: BatchResult,
) -> str | None:  # fmt: skip
    """Returns the reason when the record cannot be applied; its savepoint is rolled back."""
    try:
        event = parse_event(topic, record.value)
        async with conn.transaction():  # a savepoint inside the batch transaction
            applied = await _apply(conn, handler, topic, record, event, ctx)
    except InvalidEvent as exc:
        return exc.reason
    except RejectedEvent as exc:
        return str(exc)
    except TRANSIENT:
        raise
    except Exception as exc:  # a bug must not stall the partition; the DLQ keeps the event
        log.exception("handler failed on %s@%s", record.topic, record.offset)
        return f"handler error: {type(exc).__name__}: {exc}"
    result.queued += applied.queued
    result.outcomes.append("duplicate" if applied.duplicate else "applied")
    return None
