"""`notifier archive outbox --before YYYY-MM [--dir DIR]`: ops take old outbox months out of
the database into files (notifier/retention/archive.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import asyncpg

from notifier.clock import SystemClock
from notifier.retention import RetentionError
from notifier.retention.archive import Archived, archive_outbox
from notifier.retention.partitions import create_partitions
from notifier.settings import Settings


def parse_month(text: str) -> date:
    """'2025-11' -> 2025-11-01; anything else is refused before a server is reached."""
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise RetentionError(f"expected a month as YYYY-MM, e.g. 2025-11, not {text!r}") from exc


async def archive(settings: Settings, before: date, directory: Path) -> list[Archived]:
    now = SystemClock().now()
    conn = await asyncpg.connect(settings.database_url)
    try:
        await create_partitions(conn, now)  # this month's exists before older ones leave
        return await archive_outbox(
            conn, before, directory, today=now.date(),
            retention_months=settings.outbox_retention_months,
            ledger_retention_years=settings.ledger_retention_years,
        )  # fmt: skip
    finally:
        await conn.close()


def describe(done: list[Archived], before: date) -> str:
    if not done:
        return f"nothing to archive: the outbox has no month before {before:%Y-%m}"
    lines = [
        f"{a.table}: {a.export.rows} rows -> {a.export.file} (sha256 {a.export.sha256}),"
        f" keep until {a.export.keep_until}; dropped{' (finished an earlier run)' * a.resumed}"
        for a in done
    ]
    return "\n".join([*lines, "ledger entries: all kept (never archived by this command)"])
