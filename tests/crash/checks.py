"""The end state a parent and an accountant would check after a storm: every SMS that was
paid for reached the handset once, nothing else did, and the money adds up."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.school import School, expected_sms
from benchmarks.stream import read_to_end
from tests.integration.ledger_checks import assert_ledger_invariants

DEAD_LETTER_TOPICS = ("diary.roster.dlq", "diary.homework.dlq", "diary.grades.dlq")


@dataclass
class Tally:
    """Zero everywhere but `events`, `expected` and `handed_over` means the run was clean."""

    events: int = 0
    expected: int = 0  # SMS that must reach a handset exactly once
    handed_over: int = 0  # lines in the dev provider's outbox
    duplicates: int = 0  # handset lines beyond the first for one (event, parent, pupil)
    same_reference_twice: int = 0  # of those, lines repeating one reference "n<id>"
    duplicate_rows: int = 0  # notifications rows beyond one per (event, subscription)
    lost: int = 0  # expected SMS that never reached the handset
    unexpected: int = 0  # SMS to parents who could not pay
    not_recorded_sent: int = 0  # handed over, but the row does not say 'sent'
    left_pending: int = 0  # rows still queued or sending when the run was judged
    open_holds: int = 0
    sent_not_captured: int = 0
    events_not_applied: int = 0
    valid_dead_lettered: int = 0
    ledger: str = "ok"

    def line(self, name: str, **extra: Any) -> str:
        figures = asdict(self) | extra
        return f"CRASH {name}: " + " ".join(f"{k}={v}" for k, v in figures.items())

    def problems(self) -> dict[str, Any]:
        kept = {"events", "expected", "handed_over"}
        return {k: v for k, v in asdict(self).items() if k not in kept and v not in (0, "ok")}


def handset_lines(outbox: Path) -> list[str]:
    """References of every SMS the dev provider accepted (a torn last line is not one)."""
    if not outbox.exists():
        return []
    refs = []
    for line in outbox.read_text("utf-8").splitlines():
        try:
            refs.append(json.loads(line)["id"])
        except (ValueError, KeyError):
            continue
    return refs


async def tally(
    conn: asyncpg.Connection,
    school: School,
    events: Sequence[dict[str, Any]],
    outbox: Path,
) -> Tally:
    expected = expected_sms(school, events)
    refs = handset_lines(outbox)
    result = Tally(events=len(events), expected=len(expected), handed_over=len(refs))
    rows = {
        f"n{r['id']}": r
        for r in await conn.fetch(
            "SELECT id, event_id::text AS event_id, parent_id, pupil_id, status"
            " FROM notifications WHERE kind = 'homework'"
        )
    }
    per_pair: Counter[tuple[str, str, str]] = Counter()
    for ref in refs:
        row = rows.get(ref)
        if row is not None:
            per_pair[(row["event_id"], row["parent_id"], row["pupil_id"])] += 1
            result.not_recorded_sent += row["status"] != "sent"
    result.duplicates = sum(n - 1 for n in per_pair.values())
    result.same_reference_twice = sum(n - 1 for n in Counter(refs).values())
    result.lost = len(expected - per_pair.keys())
    result.unexpected = len(per_pair.keys() - expected)
    await _money(conn, result)
    await _events(conn, result, events)
    return result


async def _money(conn: asyncpg.Connection, result: Tally) -> None:
    result.duplicate_rows = await conn.fetchval(
        "SELECT count(*) - count(DISTINCT (event_id, subscription_id)) FROM notifications"
        " WHERE kind = 'homework'"
    )
    result.left_pending = await conn.fetchval(
        "SELECT count(*) FROM notifications WHERE status IN ('queued', 'sending')"
    )
    result.open_holds = await conn.fetchval(
        "SELECT count(*) FROM ledger_holds WHERE status = 'open'"
    )
    result.sent_not_captured = await conn.fetchval(
        "SELECT count(*) FROM notifications n LEFT JOIN ledger_holds h ON h.id = n.hold_id"
        " WHERE n.status = 'sent' AND n.price > 0 AND h.status IS DISTINCT FROM 'captured'"
    )
    try:
        await assert_ledger_invariants(conn)
    except AssertionError as exc:
        result.ledger = str(exc)[:300]


async def _events(
    conn: asyncpg.Connection, result: Tally, events: Sequence[dict[str, Any]]
) -> None:
    ids = [e["event_id"] for e in events]
    applied = await conn.fetchval(
        "SELECT count(*) FROM processed_events WHERE event_id = ANY ($1::uuid[])", ids
    )
    result.events_not_applied = len(ids) - applied


async def count_valid_dead_letters(
    bootstrap: str, prefix: str, events: Sequence[dict[str, Any]]
) -> int:
    """Records in the dead-letter topics that are events we published as valid."""
    valid = {e["event_id"] for e in events}
    found = 0
    for record in await read_to_end(bootstrap, [prefix + t for t in DEAD_LETTER_TOPICS]):
        try:
            found += json.loads(record.value)["event_id"] in valid
        except (ValueError, KeyError, TypeError):
            continue
    return found
