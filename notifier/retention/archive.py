"""`notifier archive outbox --before YYYY-MM`: old months of the outbox leave the database.

For each month partition of `notifications` before that month (and before the retention,
OUTBOX_RETENTION_MONTHS), in order:

1. detach it; refused while any of its SMS is still queued or being sent;
2. delete its SMS' exactly-once keys (`notification_keys`), a slice at a time;
3. export the detached table to `<dir>/notifications_YYYY_MM.csv.gz` (CSV with a header, as
   `COPY` writes it), then read the file back: its rows must number the table's;
4. write `<dir>/notifications_YYYY_MM.json`: rows, SHA-256 of the file, and until when the
   file is kept (LEDGER_RETENTION_YEARS after the month: the SMS are the charges' evidence);
5. drop the table.

A run that was stopped anywhere finishes on the next one: a detached month not yet dropped is
exported (again, if its file does not match its manifest) and dropped first. The ledger's
entries are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from billing.types import Conn
from notifier.retention import RetentionError, month_of, on_table
from notifier.retention.export import Export, export_table, matches


class ArchiveRefused(RetentionError):
    """The archive cannot take a month now; the message says why and what to do."""


@dataclass(frozen=True)
class Archived:
    table: str
    export: Export
    resumed: bool  # detached by an earlier run that was stopped


def earliest_kept(today: date, retention_months: int) -> date:
    """The first month the retention keeps: months before it may be archived."""
    months = today.year * 12 + today.month - 1 - retention_months
    return date(months // 12, months % 12 + 1, 1)


async def archive_outbox(
    conn: Conn, before: date, directory: Path, *, today: date, retention_months: int,
    ledger_retention_years: int,
) -> list[Archived]:  # fmt: skip
    """Archive every outbox month before `before`; see the module docstring."""
    kept = earliest_kept(today, retention_months)
    if before > kept:
        raise ArchiveRefused(
            f"{before:%Y-%m} is inside the outbox retention (OUTBOX_RETENTION_MONTHS="
            f"{retention_months}): the months from {kept:%Y-%m} on are kept"
        )
    directory.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, a local folder
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK_KEY):
        raise ArchiveRefused("another `notifier archive` is running; let it finish")
    try:
        done: list[Archived] = []
        for table in await _detached(conn):
            done.append(await _finish(conn, table, directory, ledger_retention_years, resumed=True))
        for table in await _attached_before(conn, before):
            await _detach(conn, table)
            done.append(
                await _finish(conn, table, directory, ledger_retention_years, resumed=False)
            )
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


_LOCK_KEY = 0xA5C_41FE  # any constant, the same for every run: one archive at a time


async def _detached(conn: Conn) -> list[str]:
    """Months an earlier run detached and did not drop (it was stopped)."""
    rows = await conn.fetch(
        "SELECT relname FROM pg_class WHERE relname ~ '^notifications_[0-9]{4}_[0-9]{2}$'"
        " AND relkind = 'r' AND NOT relispartition"
        " AND relnamespace = current_schema()::regnamespace"
        " ORDER BY relname"
    )
    return [r[0] for r in rows]


async def _attached_before(conn: Conn, before: date) -> list[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'notifications'::regclass"
        " AND c.relname ~ '^notifications_[0-9]{4}_[0-9]{2}$' ORDER BY c.relname"
    )
    return [r[0] for r in rows if month_of(r[0]) < before]


async def _detach(conn: Conn, table: str) -> None:
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '10s'")  # behind a long transaction: retry
        live = await conn.fetchval(
            on_table(table, "SELECT count(*) FROM {table} WHERE status IN ('queued', 'sending')")
        )
        if live:
            raise ArchiveRefused(
                f"{table} still has {live} SMS queued or being sent; archive it once they are"
                " settled (a queued SMS is given up after HOLD_TTL_HOURS)"
            )
        await conn.execute(on_table(table, "ALTER TABLE notifications DETACH PARTITION {table}"))


async def _forget_keys(conn: Conn, table: str) -> None:
    """Delete the keys of the detached month's SMS, a slice of ids per transaction (a month is
    about 125 million keys; enqueueing goes on meanwhile, on other keys). Until then its
    keys only refuse SMS already sent: stricter, never looser."""
    low = await conn.fetchval(on_table(table, "SELECT min(id) FROM {table}"))
    high = await conn.fetchval(on_table(table, "SELECT max(id) FROM {table}"))
    while low is not None and low <= high:
        await conn.execute(
            on_table(table, "DELETE FROM notification_keys k USING {table} n"
                            " WHERE k.id = n.id AND n.id >= $1 AND n.id < $2"),
            low, low + _KEYS_SLICE,
        )  # fmt: skip
        low += _KEYS_SLICE


_KEYS_SLICE = 100_000


async def _finish(
    conn: Conn, table: str, directory: Path, keep_years: int, *, resumed: bool
) -> Archived:
    rows = await conn.fetchval(on_table(table, "SELECT count(*) FROM {table}"))
    month = month_of(table)
    keep_until = date(month.year + keep_years, month.month, 1)
    await _forget_keys(conn, table)
    export = matches(directory, table, rows)
    if export is None:
        export = await export_table(conn, table, directory, rows, keep_until)
    await conn.execute(on_table(table, "DROP TABLE {table}"))
    return Archived(table, export, resumed)
