"""A record whose transaction is refused only at commit (a deferred ledger check tripped by a
bug) is isolated and dead-lettered; the records around it in the batch are applied."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka.structs import ConsumerRecord
from pydantic import BaseModel

from billing.types import Conn
from notifier.applying import apply_batch
from notifier.clock import SystemClock
from notifier.consumer import EventConsumer
from notifier.errors import RejectedEvent
from notifier.handlers import HandlerContext
from notifier.handlers.grades import apply_grade_event
from notifier.metrics import Metrics
from notifier.outbox.enqueue import PendingSms


def _record(offset: int, grade_id: str) -> ConsumerRecord[bytes, bytes]:
    event = {
        "event_id": str(uuid.uuid4()), "event_type": "grade.posted", "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "grade_id": grade_id, "school_id": "s",
        "pupil_id": "p", "class_id": "c", "subject": "Физика", "lesson_date": "2026-11-20",
        "assessment": "lesson", "mark": 4, "teacher_id": "t",
    }  # fmt: skip
    value = json.dumps(event, ensure_ascii=False).encode()
    return ConsumerRecord("diary.grades", 0, offset, 0, 0, b"p", value, None, 0, len(value), ())


async def buggy_handler(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
    """The real grade handler, plus a bug: a one-sided ledger entry for grade 'bad'."""
    await apply_grade_event(conn, event, ctx)
    if getattr(event, "grade_id", "") == "bad":
        tx = await conn.fetchval(
            "INSERT INTO ledger_transactions (kind, reference) VALUES ('bug', 'b') RETURNING id"
        )
        account = await conn.fetchval(
            "SELECT id FROM ledger_accounts WHERE kind = 'house' AND currency = 'KZT'"
        )
        await conn.execute(
            "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
            " VALUES ($1, $2, 100, 'KZT')",
            tx,
            account,
        )
    return []


async def test_a_record_refused_at_commit_is_dead_lettered_alone(pool: asyncpg.Pool) -> None:
    consumer = EventConsumer(
        pool=pool,
        kafka=None,  # not needed to apply a batch
        handlers={"diary.grades": buggy_handler},
        prefix="",
        ctx=HandlerContext(SystemClock(), 2, timedelta(hours=1)),
        dead_letters=None,  # type: ignore[arg-type]
        metrics=Metrics(),
    )
    records = [_record(0, "g1"), _record(1, "bad"), _record(2, "g3")]

    result = await consumer._apply("diary.grades", records)

    assert result.outcomes == ["applied", "dead_lettered", "applied"]
    [(rejected, reason)] = result.rejected
    assert rejected.offset == 1
    assert "does not balance" in reason
    stored = await pool.fetch("SELECT id FROM grades ORDER BY id")
    assert [r["id"] for r in stored] == ["g1", "g3"]
    assert await pool.fetchval("SELECT count(*) FROM ledger_entries") == 0


async def refusing_handler(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
    """The real grade handler, then a refusal for grade 'refused' after it wrote its row."""
    pending = await apply_grade_event(conn, event, ctx)
    if getattr(event, "grade_id", "") == "refused":
        raise RejectedEvent("refused after writing")
    return pending


async def test_a_record_failing_mid_batch_is_set_aside_and_the_rest_applied(
    pool: asyncpg.Pool,
) -> None:
    """The first pass applies a batch without savepoints; a record that fails after writing
    sends the batch round again with one savepoint per record, so only that record's writes
    are undone and the others are applied once."""
    records = [_record(0, "g1"), _record(1, "refused"), _record(2, "g3")]

    result = await apply_batch(
        pool, refusing_handler, "diary.grades", records,
        HandlerContext(SystemClock(), 2, timedelta(hours=1)),
    )  # fmt: skip

    assert result.outcomes == ["applied", "dead_lettered", "applied"]
    assert result.rejected[0][1] == "refused after writing"
    stored = await pool.fetch("SELECT id FROM grades ORDER BY id")
    assert [r["id"] for r in stored] == ["g1", "g3"]
    assert await pool.fetchval("SELECT count(*) FROM processed_events") == 2
