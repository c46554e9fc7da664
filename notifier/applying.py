"""Applying consumed records to the database: one transaction per partition batch, one
savepoint per record, and the SMS of the whole batch priced, held and queued together at the
end (a constant number of statements, wallets locked once, in order).

A record that cannot be applied is rolled back alone; a record naming a pupil or class we do
not know yet is parked (see notifier/parking.py); infrastructure failures propagate so the
caller retries the same records.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

import asyncpg
from aiokafka import ConsumerRecord

from billing.types import Conn
from notifier.errors import NotYetKnown, RejectedEvent
from notifier.handlers import BatchForm, Handler, HandlerContext, batch_form
from notifier.outbox.enqueue import PendingSms, enqueue_paid
from notifier.outbox.lowbalance import check_low_balances
from notifier.outbox.window import not_before_by_subscription
from notifier.parking import park
from notifier.transient import is_transient
from schemas import DiaryEvent, InvalidEvent, parse_event

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    outcomes: list[str] = field(default_factory=list)  # applied|duplicate|dead_lettered|parked
    rejected: list[tuple[ConsumerRecord, str]] = field(default_factory=list)
    queued: int = 0
    pending: list[PendingSms] = field(default_factory=list)


def body_hash(event: DiaryEvent) -> bytes:
    """What makes two deliveries of one event id the same event: its canonical JSON."""
    return hashlib.sha256(event.model_dump_json().encode()).digest()


async def _record_event(conn: Conn, topic: str, record: ConsumerRecord, event: DiaryEvent) -> bool:
    """True the first time the event id is seen; False for a redelivery of the same body.
    The same id with another body is the producer's bug, refused with that reason."""
    digest = body_hash(event)
    first = await conn.fetchval(
        'INSERT INTO processed_events (event_id, topic, event_type, partition, "offset",'
        " body_sha256) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING"
        " RETURNING true",
        *(event.event_id, topic, event.event_type, record.partition, record.offset, digest),
    )
    if first:
        return True
    known = await conn.fetchval(
        "SELECT body_sha256 FROM processed_events WHERE event_id = $1", event.event_id
    )
    if known is not None and bytes(known) != digest:
        raise RejectedEvent(f"event_id {event.event_id} was reused with a different body")
    return False


async def apply_batch(
    pool: asyncpg.Pool,
    handler: Handler,
    topic: str,
    records: Sequence[ConsumerRecord],
    ctx: HandlerContext,
) -> BatchResult:
    """Apply records in order, queue their SMS, commit once. Records that cannot be applied
    are returned in `rejected` with a reason (for the dead-letter topic); transient errors
    propagate and the whole batch is retried (applied records are then duplicates)."""
    try:  # the common case first: no record fails, so no savepoint is paid for
        async with pool.acquire() as conn, conn.transaction():
            return await apply_records(conn, handler, topic, records, ctx, savepoints=False)
    except _Isolate:
        async with pool.acquire() as conn, conn.transaction():
            return await apply_records(conn, handler, topic, records, ctx)


class _Isolate(Exception):
    """A record failed in a batch applied without savepoints: the batch is rolled back and
    applied again with one savepoint per record, so only that record is set aside."""


async def apply_records(
    conn: Conn,
    handler: Handler,
    topic: str,
    records: Sequence[ConsumerRecord],
    ctx: HandlerContext,
    *,
    savepoints: bool = True,
) -> BatchResult:
    """apply_batch inside the caller's transaction."""
    result = BatchResult()
    form = None if savepoints else batch_form(handler)
    if form is None or not await _apply_all(conn, form, topic, records, ctx, result):
        for record in records:
            await _apply_one(conn, handler, topic, record, ctx, result, savepoints)
    await _queue(conn, ctx, result)
    return result


async def _apply_all(
    conn: Conn, form: BatchForm, topic: str, records: Sequence[ConsumerRecord],
    ctx: HandlerContext, result: BatchResult,
) -> bool:  # fmt: skip
    """The optimistic pass through the handler's batch form: every record's event recorded
    in one statement and applied together. False, having written nothing, when the batch has
    another shape (the caller then applies record by record); any failure isolates."""
    parsed: list[tuple[ConsumerRecord, DiaryEvent | None]] = []
    for record in records:
        try:
            parsed.append((record, parse_event(topic, record.value)))
        except InvalidEvent as exc:
            parsed.append((record, None))
            result.rejected.append((record, exc.reason))
    events = [e for _, e in parsed if e is not None]
    if len({e.event_id for e in events}) != len(events) or not form.fits(events):
        result.rejected.clear()
        return False
    try:
        first = await _record_events(conn, topic, [(r, e) for r, e in parsed if e is not None])
        result.pending.extend(
            await form.apply(conn, [e for e in events if e.event_id in first], ctx)
        )
    except Exception as exc:
        if is_transient(exc):
            raise
        raise _Isolate from exc
    for _, event in parsed:
        if event is None:
            result.outcomes.append("dead_lettered")
        else:
            result.outcomes.append("applied" if event.event_id in first else "duplicate")
    return True


async def _record_events(
    conn: Conn, topic: str, items: Sequence[tuple[ConsumerRecord, DiaryEvent]]
) -> set[UUID]:
    """_record_event for distinct events at once: the ids seen for the first time. A reused
    id with another body is refused (the batch is then isolated, and the record rejected)."""
    digests = {e.event_id: body_hash(e) for _, e in items}
    rows = await conn.fetch(
        'INSERT INTO processed_events (event_id, topic, event_type, partition, "offset",'
        " body_sha256) SELECT i, $2, t, p, o, d FROM unnest($1::uuid[], $3::text[],"
        " $4::int[], $5::bigint[], $6::bytea[]) AS x(i, t, p, o, d)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        list(digests), topic, [e.event_type for _, e in items],
        [r.partition for r, _ in items], [r.offset for r, _ in items], list(digests.values()),
    )  # fmt: skip
    first = {r["event_id"] for r in rows}
    seen = [i for i in digests if i not in first]
    if seen:
        known = await conn.fetch(
            "SELECT event_id, body_sha256 FROM processed_events WHERE event_id = ANY ($1::uuid[])",
            seen,
        )
        if any(bytes(k["body_sha256"]) != digests[k["event_id"]] for k in known):
            raise RejectedEvent("an event_id was reused with a different body")
    return first


async def _queue(conn: Conn, ctx: HandlerContext, result: BatchResult) -> None:
    now = ctx.clock.now()
    pending = await _in_window(conn, ctx, result.pending, now)
    queued = await enqueue_paid(conn, pending, now=now, hold_ttl=ctx.hold_ttl)
    result.queued = queued.queued
    if ctx.low_balance is not None:
        await check_low_balances(conn, sorted(queued.short_of_money), now, ctx.low_balance)


async def _in_window(
    conn: Conn, ctx: HandlerContext, items: list[PendingSms], now: datetime
) -> list[PendingSms]:
    """SMS due outside their school's sending window wait for it to open (one query)."""
    waiting = [i for i in items if i.in_window and i.not_before is None]
    if ctx.send_window is None or not waiting:
        return items
    opens = await not_before_by_subscription(
        conn, (i.subscription_id for i in waiting), now, ctx.send_window
    )
    return [  # most are in their window now: left as they are, not copied
        replace(i, not_before=at)
        if i.in_window and i.not_before is None and (at := opens.get(i.subscription_id))
        else i
        for i in items
    ]


async def _apply_one(
    conn: Conn, handler: Handler, topic: str, record: ConsumerRecord, ctx: HandlerContext,
    result: BatchResult, savepoints: bool,
) -> None:  # fmt: skip
    try:
        event = parse_event(topic, record.value)  # before any write: needs no savepoint
        # A savepoint inside the batch transaction, or nothing on the optimistic first pass.
        async with conn.transaction() if savepoints else contextlib.nullcontext():
            first = await _record_event(conn, topic, record, event)
            pending = await handler(conn, event, ctx) if first else []
    except InvalidEvent as exc:
        return _reject(result, record, exc.reason)
    except Exception as exc:
        if savepoints or is_transient(exc):
            return await _set_aside(conn, topic, record, ctx, result, exc)
        raise _Isolate from exc
    result.pending.extend(pending)
    result.outcomes.append("applied" if first else "duplicate")
    return None


async def _set_aside(
    conn: Conn, topic: str, record: ConsumerRecord, ctx: HandlerContext, result: BatchResult,
    exc: Exception,
) -> None:  # fmt: skip
    """The record's own writes were rolled back with its savepoint: park or reject it."""
    if is_transient(exc):
        raise exc
    if isinstance(exc, NotYetKnown):
        event_id = parse_event(topic, record.value).event_id
        await park(conn, topic, record, event_id, str(exc), ctx.clock.now())
        result.outcomes.append("parked")
    elif isinstance(exc, RejectedEvent):
        _reject(result, record, str(exc))
    else:  # a bug must not stall the partition; the dead-letter topic keeps the event
        log.error("handler failed on %s@%s", record.topic, record.offset, exc_info=exc)
        _reject(result, record, f"handler error: {type(exc).__name__}: {exc}")


def _reject(result: BatchResult, record: ConsumerRecord, reason: str) -> None:
    result.rejected.append((record, reason))
    result.outcomes.append("dead_lettered")
