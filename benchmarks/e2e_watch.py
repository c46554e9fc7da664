"""What the end-to-end benchmark reads while the service runs: the outbox filling and
draining (rows per second), and publish -> provider latency from the dev provider's file."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

# The rows after `after_id` alone: history written before the run (benchmarks/prefill.py) is
# neither counted nor read, each month's primary key skips it.
_COUNTS = (
    "SELECT count(*) AS rows, count(*) FILTER (WHERE status = 'sent') AS sent FROM notifications"
    " WHERE id > $1"
)


@dataclass
class Progress:
    """How far the outbox got, and how fast: rates from the first row seen to the last."""

    rows: int = 0
    sent: int = 0
    rows_per_s: float = 0.0
    sent_per_s: float = 0.0


async def watch_outbox(
    conn: asyncpg.Connection, *, rows: int, sent: int, cap_s: float,
    after_id: int = 0, poll_s: float = 0.2,
) -> Progress:  # fmt: skip
    """Poll until `rows` rows with ids above `after_id` exist and `sent` of them are sent,
    or `cap_s`; every `poll_s` once 10,000 rows are there."""
    first: dict[str, tuple[float, int]] = {}
    last: dict[str, tuple[float, int]] = {}
    deadline = time.monotonic() + cap_s
    got = Progress()
    while time.monotonic() < deadline:
        row = await conn.fetchrow(_COUNTS, after_id)
        assert row is not None
        now = time.monotonic()
        got.rows, got.sent = row["rows"], row["sent"]
        for name, value in (("rows", got.rows), ("sent", got.sent)):
            if value > 0 and name not in first:
                first[name] = (now, value)
            if value > last.get(name, (0.0, 0))[1]:
                last[name] = (now, value)
        if got.rows >= rows and got.sent >= sent:
            break
        # A smoke backlog is queued in well under a second; a large one is counted less often
        # (the count itself takes the database's time).
        await asyncio.sleep(0.05 if got.rows < 10_000 else poll_s)
    got.rows_per_s = _rate(first.get("rows"), last.get("rows"))
    got.sent_per_s = _rate(first.get("sent"), last.get("sent"))
    return got


def _rate(first: tuple[float, int] | None, last: tuple[float, int] | None) -> float:
    if first is None or last is None or last[0] <= first[0]:
        return 0.0
    return (last[1] - first[1]) / (last[0] - first[0])


@dataclass
class Latency:
    """Seconds from publish to hand-over, sorted; SMS expected but not handed over count with
    their age so far (a lower bound). `queued`: publish -> the start of the transaction that
    queued the SMS (what the consumer side takes), sorted."""

    total: list[float]
    missing: int
    queued: list[float]


async def latencies(
    conn: asyncpg.Connection, outbox: Path, published: Mapping[str, float], expected: int
) -> Latency:
    """Publish -> provider latency of each SMS of the `published` events."""
    rows = await conn.fetch(
        "SELECT id, event_id::text AS event_id, extract(epoch FROM created_at) AS queued_at"
        " FROM notifications WHERE event_id = ANY ($1::uuid[]) AND status = 'sent'",
        list(published),
    )
    event_of = {f"n{r['id']}": r["event_id"] for r in rows}
    handed = _handed_over(outbox, event_of.keys())
    found = [at - published[event_of[ref]] for ref, at in handed.items()]
    missing = max(0, expected - len(found))
    oldest = time.time() - max(published.values(), default=time.time())
    queued = [float(r["queued_at"]) - published[r["event_id"]] for r in rows]
    return Latency(sorted(found + [oldest] * missing), missing, sorted(queued))


def _handed_over(outbox: Path, wanted: Collection[str]) -> dict[str, float]:
    """First hand-over time (epoch seconds) of each wanted reference in the dev outbox."""
    handed: dict[str, float] = {}
    lines = outbox.read_text("utf-8").splitlines() if outbox.exists() else []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line torn by a kill
        if record["id"] in wanted and record["id"] not in handed:
            handed[record["id"]] = datetime.fromisoformat(record["sent_at"]).timestamp()
    return handed


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]
