"""A partition batch of homework is applied whole, in a number of statements that does not
grow with the batch, and gives exactly what applying its records one by one gives: the same
SMS, homework, recorded, parked and refused records, for any mix of new, updated, stale,
repeated, cancelled, unknown-class and broken records."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka.structs import ConsumerRecord
from asyncpg.connection import LoggedQuery
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from billing.ledger import credit_wallet
from notifier.applying import BatchResult, apply_batch, apply_records
from notifier.handlers import HandlerContext
from notifier.handlers.homework import apply_homework_event
from tests.support import MovableClock

TOPIC = "diary.homework"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CLASSES = {"c1": ["p1", "p2", "p3", "p4"], "c2": ["p5", "p6", "p7"]}  # c3: not known yet


async def _roster(conn: asyncpg.Connection) -> None:
    """p3's parent wants grades only, p4's parent has no wallet, p2's parent also has p5."""
    await conn.execute(
        "INSERT INTO schools VALUES ('s1', 'S', 'KZ');"
        " INSERT INTO classes VALUES ('c1', 's1', '5А'), ('c2', 's1', '6Б')"
    )
    for class_id, pupils in CLASSES.items():
        for pupil in pupils:
            await conn.execute(
                "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone,"
                " as_of) VALUES ($1, 's1', $2, 'Дана', 'ru', 'Asia/Almaty', $3)",
                pupil, class_id, T0,
            )  # fmt: skip
    links = [(f"par-{p}", p) for ps in CLASSES.values() for p in ps] + [("par-p2", "p5")]
    for i, (parent, pupil) in enumerate(links):
        await conn.execute("INSERT INTO parent_links VALUES ($1, $2, $3)", parent, pupil, T0)
        types = ["weekly_grades"] if pupil == "p3" else ["homework"]
        await conn.execute(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) VALUES ($1, $2, $3, $4, 'ru', $5)",
            parent, pupil, f"+7701{i:07d}", types, T0,
        )  # fmt: skip
    for parent in {p for p, _ in links} - {"par-p4"}:
        await credit_wallet(conn, parent, 1_000_00, "KZT", source=("gateway_clearing", "t"),
                            kind="top_up", reference=f"top-up-{parent}")  # fmt: skip


def _homework(kind: str, hw: str, class_id: str, pupils: list[str] | None, at: int) -> bytes:
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "event_type": f"homework.{kind}", "schema_version": 1,
        "occurred_at": (T0 + timedelta(minutes=at)).isoformat(), "homework_id": hw,
    }  # fmt: skip
    if kind != "cancelled":
        event |= {
            "school_id": "s1", "class_id": class_id, "subject": "Математика",
            "text": f"Стр. {at + 1}, № 3–7", "due_date": date(2026, 11, 25).isoformat(),
            "teacher_id": "t-1",
        }  # fmt: skip
        if pupils is not None:
            event["pupil_ids"] = pupils
    return json.dumps(event, ensure_ascii=False).encode()


def _records(values: list[bytes | None]) -> list[ConsumerRecord[bytes, bytes | None]]:
    return [
        ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 0, len(value or b""), ())
        for offset, value in enumerate(values)
    ]


# A first batch sets homework; the second mixes what a diary sends next. Shapes only the
# record-by-record path takes (a cancellation, an unknown class, one event twice in a batch,
# an event id reused with another body) come rarely, so most batches go the whole-batch way.
_pupil_lists = st.none() | st.lists(st.sampled_from(["p1", "p2", "p3", "p4", "p5"]), max_size=3)
_new = st.tuples(st.just("new"), st.sampled_from(["c1", "c2"]), _pupil_lists)
_COMMON = ["new", "update", "stale", "again", "broken", "tombstone"]
_RARE = ["cancel", "unknown_class", "twice", "reused_id"]
_next = st.tuples(st.sampled_from(_COMMON * 6 + _RARE), st.integers(0, 20), _pupil_lists)


def _batches(first: list[tuple[Any, ...]], then: list[tuple[Any, ...]]) -> list[list[bytes | None]]:
    made = [(f"hw-{i}", cls, pupils) for i, (_, cls, pupils) in enumerate(first)]
    one = [_homework("assigned", hw, cls, pupils, i) for i, (hw, cls, pupils) in enumerate(made)]
    two: list[bytes | None] = []
    for i, (kind, n, pupils) in enumerate(then, start=len(first)):
        hw, cls, old_pupils = made[n % len(made)]
        if kind in ("new", "unknown_class"):
            cls = "c3" if kind == "unknown_class" else ("c1", "c2")[n % 2]
            two.append(_homework("assigned", f"hw-{i}", cls, pupils, i))
        elif kind in ("update", "stale"):  # a stale update is older than what we have
            two.append(_homework("updated", hw, cls, old_pupils, i if kind == "update" else -1))
        elif kind == "cancel":
            two.append(_homework("cancelled", hw, cls, None, i))
        elif kind == "again":  # a redelivery of the first batch
            two.append(one[n % len(one)])
        elif kind == "twice" and two:
            two.append(two[n % len(two)])
        elif kind == "reused_id":
            event = json.loads(one[n % len(one)]) | {"text": "другой текст"}
            two.append(json.dumps(event, ensure_ascii=False).encode())
        elif kind == "broken":
            two.append(b'{"event_type": "homework.assigned", "homework_id": 7')
        elif kind == "tombstone":  # a null value: dead-lettered with its reason, not skipped
            two.append(None)
    return [one, two]


async def _state(conn: asyncpg.Connection, results: list[BatchResult]) -> dict[str, Any]:
    """What a user of the service could tell apart."""
    notifications = await conn.fetch(
        "SELECT event_id, parent_id, pupil_id, kind, body, dedupe_key, status, price, currency"
        " FROM notifications ORDER BY 1, 2, 3"
    )
    return {
        "notifications": [tuple(r.values()) for r in notifications],
        "holds": await conn.fetch("SELECT amount, status FROM ledger_holds ORDER BY id"),
        "homework": await conn.fetch("SELECT * FROM homework ORDER BY id"),
        "recorded": await conn.fetch("SELECT event_id FROM processed_events ORDER BY 1"),
        "parked": await conn.fetch('SELECT "offset", reason FROM parked_events ORDER BY 1'),
        "outcomes": [Counter(r.outcomes) for r in results],
        "rejected": [sorted((r.offset, why) for r, why in result.rejected) for result in results],
        "queued": [r.queued for r in results],
    }


def _context() -> HandlerContext:
    return HandlerContext(MovableClock(T0), 2, timedelta(hours=1))


_WRITTEN = (
    "schools", "classes", "pupils", "parent_links", "subscriptions", "processed_events",
    "homework", "notifications", "parked_events", "ledger_accounts", "ledger_transactions",
    "ledger_entries", "ledger_holds", "low_balance_states",
)  # fmt: skip


async def _reset(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")  # the ledger's guards
        await conn.execute(f"TRUNCATE {', '.join(_WRITTEN)} RESTART IDENTITY CASCADE")
        await _roster(conn)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.lists(_new, min_size=1, max_size=6), then=st.lists(_next, max_size=10))
@example(first=[("new", "c1", ["p1", "p1", "p5"])], then=[("reused_id", 0, None)])
@example(first=[("new", "c1", None)], then=[("stale", 0, None), ("again", 0, None)])
@example(first=[("new", "c2", None)], then=[("update", 0, None), ("broken", 0, None)])
@example(first=[("new", "c1", None)], then=[("tombstone", 0, None), ("new", 1, None)])
@example(first=[("new", "c1", None)], then=[("unknown_class", 0, None), ("update", 0, None)])
@example(first=[("new", "c1", None)], then=[("cancel", 0, None), ("new", 1, ["p5"])])
async def test_a_whole_batch_gives_what_its_records_give_one_by_one(
    two_databases: tuple[asyncpg.Pool, asyncpg.Pool],
    first: list[tuple[Any, ...]],
    then: list[tuple[Any, ...]],
) -> None:
    whole, one_by_one = two_databases
    batches = [_records(values) for values in _batches(first, then)]
    for pool in (whole, one_by_one):
        await _reset(pool)
    got, want = [], []
    for records in (b for b in batches if b):
        got.append(await apply_batch(whole, apply_homework_event, TOPIC, records, _context()))
        async with one_by_one.acquire() as conn, conn.transaction():
            want.append(await apply_records(conn, apply_homework_event, TOPIC, records, _context()))
    async with whole.acquire() as a, one_by_one.acquire() as b:
        assert await _state(a, got) == await _state(b, want)


async def _statements(conn: asyncpg.Connection, events: int) -> tuple[int, int]:
    """Statements to apply a batch of `events` single-pupil homework events; SMS queued."""
    values = [
        _homework(
            "assigned",
            f"hw-{events}-{i}-{uuid.uuid4().hex[:6]}",
            "c1" if i % 2 else "c2",
            [f"p{i % 7 + 1}"],
            i,
        )
        for i in range(events)
    ]
    seen: list[str] = []

    def log(query: LoggedQuery) -> None:
        seen.append(query.query)

    conn.add_query_logger(log)
    try:
        async with conn.transaction():
            result = await apply_records(
                conn, apply_homework_event, TOPIC, _records(values), _context(), savepoints=False
            )
    finally:
        conn.remove_query_logger(log)
    return len(seen), result.queued


async def test_the_statements_of_a_batch_do_not_grow_with_its_events(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await _roster(conn)
        await _statements(conn, 5)  # the connection learns the types it meets once
        small, queued_small = await _statements(conn, 10)
        large, queued_large = await _statements(conn, 200)
    assert queued_small > 0
    assert queued_large > 10 * queued_small / 2
    assert large == small, f"{small} statements for 10 events, {large} for 200"


async def test_a_tombstone_in_a_batch_is_rejected_with_its_reason(pool: asyncpg.Pool) -> None:
    await _reset(pool)
    records = _records([_homework("assigned", "hw-t", "c1", None, 0), None])
    result = await apply_batch(pool, apply_homework_event, TOPIC, records, _context())
    assert [(r.offset, why) for r, why in result.rejected] == [
        (1, "no value (a tombstone): expected a JSON object")
    ]
    assert Counter(result.outcomes) == {"applied": 1, "dead_lettered": 1}
