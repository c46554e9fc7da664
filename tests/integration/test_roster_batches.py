"""A partition batch of roster events is applied whole, in a number of statements that does not
grow with the batch, and leaves exactly what applying its records one by one leaves: the same
schools, classes, pupils, links, subscriptions, recorded, parked and refused records, for any
mix of enrolments, links, updates, stale updates, departures, unlinks, redeliveries, links
that come before their pupil, and broken records."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka.structs import ConsumerRecord
from asyncpg.connection import LoggedQuery
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notifier.applying import BatchResult, apply_batch, apply_records
from notifier.deadletter import DeadLetters
from notifier.handlers import HandlerContext
from notifier.handlers.roster import apply_roster_event
from notifier.handlers.roster_batch import SAVE_PUPILS
from notifier.metrics import Metrics
from notifier.unparking import ParkedEvents
from tests.support import MovableClock

TOPIC = "diary.roster"
T0 = datetime(2026, 8, 25, 9, 0, tzinfo=UTC)
KNOWN = [f"k{i}" for i in range(30)]  # pupils in our copy before the stream, each subscribed
SCHOOLS = ["s1", "s2", "s3"]  # s1 is known; s2 and s3 come with the stream
BROKEN = b'{"event_type": "pupil.enrolled", "pupil_id": 7'


async def _reset(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "TRUNCATE schools, classes, pupils, parent_links, subscriptions, processed_events,"
            " parked_events RESTART IDENTITY CASCADE;"
            " INSERT INTO schools (id, name, country, time_zone)"
            "  VALUES ('s1', 'Школа №1', 'KZ', 'Asia/Almaty');"
            " INSERT INTO classes VALUES ('c0', 's1', '5А'), ('c1', 's1', '6Б')"
        )
        for statement in (
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " SELECT k, 's1', 'c' || (i % 2), 'Дана', 'ru', 'Asia/Almaty', $2"
            " FROM unnest($1::text[]) WITH ORDINALITY AS x(k, i)",
            "INSERT INTO parent_links SELECT 'par-' || k, k, $2 FROM unnest($1::text[]) k",
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, created_at)"
            " SELECT 'par-' || k, k, '+7701' || lpad(i::text, 7, '0'), '{homework}', 'ru', $2"
            " FROM unnest($1::text[]) WITH ORDINALITY AS x(k, i)",
        ):
            await conn.execute(statement, KNOWN, T0)


def _event(kind: str, at: int, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "event_type": kind, "schema_version": 1,
        "occurred_at": (T0 + timedelta(minutes=at)).isoformat(),
    } | fields  # fmt: skip


def _profile(kind: str, pupil: str, n: int, at: int) -> dict[str, Any]:
    school = SCHOOLS[n % 3]
    return _event(
        kind, at, pupil_id=pupil, school_id=school,
        school_name=[None, f"Школа {school}", "Гимназия"][n // 3 % 3],
        school_country="KG" if n % 4 == 3 else "KZ", class_id=f"c{n % 4}",
        class_name=["5А", "6Б", "7В"][n % 3], first_name=["Дана", "Айбек"][n % 2],
        locale=["ru", "kk", "ky"][n % 3], time_zone=["Asia/Almaty", "Asia/Bishkek"][n % 2],
    )  # fmt: skip


# What a diary sends. Shapes only the record-by-record path takes (a link before its pupil,
# one pupil or link changed twice in a batch, a record twice, an id reused) come rarely, so
# most batches go the whole-batch way. A late update may be older than the pupil's last one.
_COMMON = ["enrol", "link_new", "update", "stale", "leave", "link", "unlink", "again", "broken"]
_RARE = ["ghost_link", "ghost_enrol", "relink", "late", "twice", "reused_id"]
_op = st.tuples(st.sampled_from(_COMMON * 4 + _RARE), st.integers(0, 90), st.integers(0, 90))


class _Stream:
    """Builds a stream of record values from ops, remembering what it has published."""

    def __init__(self) -> None:
        self.pupils = list(KNOWN)
        self.published: list[bytes] = []
        self.at = 0

    def batch(self, ops: list[tuple[str, int, int]]) -> list[bytes]:
        values: list[bytes] = []
        for kind, n, m in ops:
            self.at += 1
            values.extend(self._values(kind, n, m, values))
        self.published.extend(values)
        return values

    def _values(self, kind: str, n: int, m: int, batch: list[bytes]) -> Iterator[bytes]:
        pupil = self.pupils[n % len(self.pupils)]
        if kind in ("enrol", "ghost_enrol"):
            pupil = f"ghost-{m % 2}" if kind == "ghost_enrol" else f"n{self.at}"
            self.pupils.append(pupil)
            yield _bytes(_profile("pupil.enrolled", pupil, n + m, self.at))
        elif kind == "link_new":  # the initial load's shape: a pupil, then its parents
            pupil = self.pupils[-1]
            yield _bytes(_event("parent.linked", self.at, parent_id=f"par-{m % 3}", pupil_id=pupil))
        elif kind in ("update", "stale", "late"):  # stale: older than anything we have
            at = {"update": self.at, "stale": -1, "late": self.at - 4}[kind]
            yield _bytes(_profile("pupil.updated", pupil, m, at))
        elif kind == "leave":
            yield _bytes(_event("pupil.left", self.at, pupil_id=pupil, school_id="s1"))
        elif kind in ("link", "unlink", "ghost_link"):
            pupil = f"ghost-{m % 2}" if kind == "ghost_link" else pupil
            parent = f"par-{pupil}" if m % 2 else f"par-{m % 3}"
            event_type = "parent.unlinked" if kind == "unlink" else "parent.linked"
            yield _bytes(_event(event_type, self.at, parent_id=parent, pupil_id=pupil))
        elif kind == "relink":
            for event_type in ("parent.unlinked", "parent.linked"):
                yield _bytes(_event(event_type, self.at, parent_id=f"par-{pupil}", pupil_id=pupil))
        elif kind == "again" and self.published:  # a redelivery of an earlier batch
            yield self.published[n % len(self.published)]
        elif kind == "twice" and batch:
            yield batch[n % len(batch)]
        elif kind == "reused_id" and self.published:
            value = self.published[n % len(self.published)]
            if not value.startswith(BROKEN):
                yield _bytes(json.loads(value) | {"occurred_at": T0.isoformat()})
        elif kind == "broken":
            yield BROKEN


def _bytes(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def _records(values: list[bytes], start: int) -> list[ConsumerRecord[bytes, bytes]]:
    return [
        ConsumerRecord(TOPIC, 0, start + i, 0, 0, b"k", value, None, 0, len(value), ())
        for i, value in enumerate(values)
    ]


async def _state(conn: asyncpg.Connection, results: list[BatchResult]) -> dict[str, Any]:
    """What a user of the service could tell apart."""
    return {
        "schools": await conn.fetch("SELECT id, name, country, time_zone FROM schools ORDER BY 1"),
        "classes": await conn.fetch("SELECT * FROM classes ORDER BY 1"),
        "pupils": await conn.fetch("SELECT * FROM pupils ORDER BY 1"),
        "links": await conn.fetch("SELECT * FROM parent_links ORDER BY 1, 2"),
        "subscriptions": await conn.fetch("SELECT id, active FROM subscriptions ORDER BY 1"),
        "recorded": await conn.fetch("SELECT event_id FROM processed_events ORDER BY 1"),
        "parked": await conn.fetch('SELECT "offset", reason FROM parked_events ORDER BY 1'),
        "outcomes": [Counter(r.outcomes) for r in results],
        "rejected": [sorted((r.offset, why) for r, why in result.rejected) for result in results],
    }


def _context() -> HandlerContext:
    return HandlerContext(MovableClock(T0), 2, timedelta(hours=1))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(_op, max_size=12), min_size=1, max_size=3))
@example(batches=[[("enrol", 0, 0), ("link_new", 30, 1), ("link_new", 30, 2)]])
@example(batches=[[("ghost_link", 0, 0), ("enrol", 0, 1)], [("ghost_enrol", 0, 0)]])
@example(batches=[[("enrol", 1, 5), ("enrol", 2, 0)], [("update", 3, 1), ("stale", 4, 2)]])
@example(batches=[[("leave", 0, 0), ("unlink", 1, 1), ("again", 0, 0), ("broken", 0, 0)]])
@example(batches=[[("update", 0, 0)], [("reused_id", 0, 0), ("twice", 0, 0)]])
async def test_a_whole_batch_gives_what_its_records_give_one_by_one(
    two_databases: tuple[asyncpg.Pool, asyncpg.Pool], batches: list[list[tuple[str, int, int]]]
) -> None:
    whole, one_by_one = two_databases
    stream, start = _Stream(), 0
    for pool in (whole, one_by_one):
        await _reset(pool)
    got, want = [], []
    for values in (v for ops in batches if (v := stream.batch(ops))):
        records, start = _records(values, start), start + len(values)
        got.append(await apply_batch(whole, apply_roster_event, TOPIC, records, _context()))
        async with one_by_one.acquire() as conn, conn.transaction():
            want.append(await apply_records(conn, apply_roster_event, TOPIC, records, _context()))
    async with whole.acquire() as a, one_by_one.acquire() as b:
        assert await _state(a, got) == await _state(b, want)


async def _statements(conn: asyncpg.Connection, pupils: int) -> tuple[list[str], BatchResult]:
    """Statements to apply an initial load's batch: `pupils` enrolled, each with two parents."""
    values = []
    for i in range(pupils):
        pupil = f"n-{pupils}-{i}"
        values.append(_bytes(_profile("pupil.enrolled", pupil, i, i)))
        for parent in ("mother", "father"):
            link = _event("parent.linked", i, parent_id=f"{parent}-{pupil}", pupil_id=pupil)
            values.append(_bytes(link))
    return await _logged(conn, _records(values, 0), _context())


async def _logged(
    conn: asyncpg.Connection, records: list[ConsumerRecord[bytes, bytes]], ctx: HandlerContext
) -> tuple[list[str], BatchResult]:
    """Apply `records` as the consumer first tries to (whole, no savepoints), in a
    transaction of their own; the statements that took, and the result."""
    seen: list[str] = []

    def log(query: LoggedQuery) -> None:
        seen.append(query.query)

    conn.add_query_logger(log)
    try:
        async with conn.transaction():
            result = await apply_records(
                conn, apply_roster_event, TOPIC, records, ctx, savepoints=False
            )
    finally:
        conn.remove_query_logger(log)
    return seen, result


async def test_the_statements_of_a_batch_do_not_grow_with_its_events(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _statements(conn, 5)  # the connection learns the types it meets once
        small, applied_small = await _statements(conn, 10)
        large, applied_large = await _statements(conn, 300)
        links = await conn.fetchval("SELECT count(*) FROM parent_links")
    assert Counter(applied_small.outcomes) == {"applied": 30}
    assert Counter(applied_large.outcomes) == {"applied": 900}
    assert links == 2 * (5 + 10 + 300)
    assert len(large) == len(small), f"{len(small)} statements for 30 events, {len(large)} for 900"


class _NoDeadLetters(DeadLetters):
    def __init__(self) -> None:
        pass

    async def send(self, record: ConsumerRecord[bytes, bytes], reason: str) -> None:
        raise AssertionError(f"nothing may be dead-lettered: {reason}")


async def test_a_link_before_its_pupil_waits_and_is_applied_once_the_roster_brings_it(
    pool: asyncpg.Pool,
) -> None:
    clock = MovableClock(T0)
    ctx = HandlerContext(clock, 2, timedelta(hours=1))
    early = _bytes(_event("parent.linked", 0, parent_id="par-early", pupil_id="late"))
    first = await apply_batch(pool, apply_roster_event, TOPIC, _records([early], 0), ctx)
    load = [
        _bytes(_profile("pupil.enrolled", "late", 0, 1)),
        _bytes(_event("parent.linked", 1, parent_id="par-late", pupil_id="late")),
    ]
    async with pool.acquire() as conn:
        statements, then = await _logged(conn, _records(load, 1), ctx)
    parked = ParkedEvents(
        pool=pool, handlers={TOPIC: apply_roster_event}, prefix="", ctx=ctx,
        dead_letters=_NoDeadLetters(), wait=timedelta(minutes=5), metrics=Metrics(),
    )  # fmt: skip
    clock.advance(timedelta(seconds=2))

    assert (first.outcomes, then.outcomes) == (["parked"], ["applied", "applied"])
    assert SAVE_PUPILS in statements, "the enrolment and its link were applied one by one"
    assert await parked.retry_due() == 1
    links = await pool.fetch("SELECT parent_id FROM parent_links WHERE pupil_id = 'late'")
    assert sorted(r["parent_id"] for r in links) == ["par-early", "par-late"]
    assert await pool.fetchval("SELECT count(*) FROM parked_events") == 0
