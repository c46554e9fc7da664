"""The import use case, shared by the CLI and the internal API: records in, batches applied.

Each batch is one database transaction: its rows loaded (subscriptions or balances), its
rejects and counts recorded in `import_batches` under (import id, kind, batch number). A
rerun with the same import id (a file's SHA-256) skips the batches recorded there, reports
their rejects again from the record, and carries on: a kill at any moment leaves whole
batches done or not done, never half of one. Checking the next batch (phones above all) runs
in `executor` (split across `workers`) while the database applies the current one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol, cast

import asyncpg

from notifier.clock import Clock
from notifier.onboarding.ahead import Batch, ahead, batches
from notifier.onboarding.balances import load_balances
from notifier.onboarding.checking import check_packed, unpacked
from notifier.onboarding.rows import (
    BalanceRow,
    Checked,
    Kind,
    Record,
    Reject,
    SubscriptionRow,
    check_batch,
)  # fmt: skip
from notifier.onboarding.subscriptions import load_subscriptions

BATCH_SIZE = 50_000


class Listener(Protocol):
    """Told about every batch, in order: progress bars, reject files, HTTP answers."""

    def advanced(self, rows: int) -> None: ...
    def rejected(self, rejects: Sequence[Reject]) -> None: ...


@dataclass
class Outcome:
    rows: int = 0
    imported: int = 0
    existing: int = 0  # already there: an earlier import of the same rows, or the parent's own
    rejected: int = 0
    resumed_batches: int = 0  # committed by an earlier run, skipped now


async def import_records(
    pool: asyncpg.Pool, kind: Kind, import_id: str, records: AsyncIterator[tuple[int, Record]],
    *, clock: Clock, listener: Listener, batch_size: int = BATCH_SIZE,
    executor: Executor | None = None, workers: int = 1,
) -> Outcome:  # fmt: skip
    """Import every record (line number, columns) of `kind`; see the module docstring."""
    done = await _committed(pool, import_id, kind)
    size = next(iter(done.values()))[0] if done else batch_size  # as the first run cut them
    outcome = Outcome()
    loop = asyncio.get_running_loop()

    async def check(batch: Batch) -> Checked | None:
        if batch.number in done:
            return None
        step = -(-len(batch.records) // workers)
        parts = [batch.records[i : i + step] for i in range(0, len(batch.records), step)]
        results = await asyncio.gather(
            *(loop.run_in_executor(executor, check_packed, kind, part) for part in parts)
        )
        return check_batch(kind, batch.records, unpacked(kind, [r for p in results for r in p]))

    async for batch, checked in ahead(batches(records, size), check):
        outcome.rows += len(batch.records)
        if checked is None:  # what that run imported is already there now
            _, (new, old), rejects = done[batch.number]
            counts = (0, new + old)
            outcome.resumed_batches += 1
        else:
            counts, rejects = await _apply(pool, kind, import_id, size, batch, checked, clock)
        outcome.imported += counts[0]
        outcome.existing += counts[1]
        outcome.rejected += len(rejects)
        listener.rejected(rejects)
        listener.advanced(len(batch.records))
    return outcome


async def _apply(
    pool: asyncpg.Pool, kind: Kind, import_id: str, size: int, batch: Batch, checked: Checked,
    clock: Clock,
) -> tuple[tuple[int, int], list[Reject]]:  # fmt: skip
    good, rejects = checked
    now = clock.now()
    async with pool.acquire() as conn, conn.transaction():
        if kind == "subscriptions":
            rows = cast(list[SubscriptionRow], good)
            new, old, refused = await load_subscriptions(conn, rows, now)
        else:
            journal = f"{import_id}:{batch.number}"
            new, old, refused = await load_balances(
                conn, cast(list[BalanceRow], good), journal, now
            )
        by_line = dict(batch.records)
        rejects = sorted([*rejects, *(Reject(n, why, by_line[n]) for n, why in refused)],
                         key=lambda r: r.row)  # fmt: skip
        await conn.execute(
            "INSERT INTO import_batches (import_id, kind, batch, batch_size, rows, imported,"
            " existing, rejects, committed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            import_id, kind, batch.number, size, len(batch.records), new, old,
            _json([[r.row, r.reason, r.record] for r in rejects]), now,
        )  # fmt: skip
    return (new, old), rejects


def _json(value: object) -> str:
    # jsonb refuses NUL; a rejected row may well contain one.
    return json.dumps(value).replace("\\u0000", "\\ufffd")


async def _committed(
    pool: asyncpg.Pool, import_id: str, kind: Kind
) -> dict[int, tuple[int, tuple[int, int], list[Reject]]]:
    """Batches an earlier run committed: number -> (batch size, counts, rejects)."""
    rows = await pool.fetch(
        "SELECT batch, batch_size, imported, existing, rejects FROM import_batches"
        " WHERE import_id = $1 AND kind = $2",
        import_id,
        kind,
    )
    return {
        r["batch"]: (r["batch_size"], (r["imported"], r["existing"]),
                     [Reject(*item) for item in json.loads(r["rejects"])])
        for r in rows
    }  # fmt: skip
