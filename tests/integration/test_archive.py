"""`notifier archive outbox`: old months leave the database for checked files, the ledger
stays, and a run stopped between its steps is finished by the next one."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest

from notifier.outbox.enqueue import enqueue_paid
from notifier.retention import archive as archive_module
from notifier.retention.archive import Archived, ArchiveRefused, archive_outbox
from notifier.retention.export import export_table
from notifier.retention.partitions import create_partitions
from tests.integration.money_support import ONE_PART, T0, TTL, roster, sms, top_up
from tests.integration.test_cli import notifier, one_line_error

TODAY = date(2032, 6, 15)  # the outbox's months of 2031 are past the 13 months kept
OLD = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)


async def _old_month(pool: asyncpg.Pool, count: int = 3, status: str = "sent") -> None:
    """`count` homework SMS queued (and charged) in March 2031, their keys with them."""
    async with pool.acquire() as conn:
        await create_partitions(conn, OLD, 2)
        async with conn.transaction():
            subs = await roster(conn, ["p"])
            await top_up(conn, "p", 100_00)
            items = [sms("p", subs["p"], ONE_PART, f"hw:{i}") for i in range(count)]
            await enqueue_paid(conn, items, now=T0, hold_ttl=TTL)
        await conn.execute("UPDATE notifications SET created_at = $1, status = $2", OLD, status)
        await conn.execute("UPDATE notification_keys SET created_at = $1", OLD)


async def _archive(
    pool: asyncpg.Pool, tmp_path: Path, before: date = date(2031, 4, 1)
) -> list[Archived]:
    """The months archived that had SMS (the empty months of the test database go too)."""
    async with pool.acquire() as conn:
        done = await archive_outbox(conn, before, tmp_path, today=TODAY, retention_months=13,
                                    ledger_retention_years=5)  # fmt: skip
    return [a for a in done if a.export.rows]


async def test_an_old_month_is_exported_checked_and_dropped_and_the_ledger_kept(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await _old_month(pool)
    entries = await pool.fetchval("SELECT count(*) FROM ledger_entries")
    [done] = await _archive(pool, tmp_path)
    assert (done.table, done.export.rows, done.resumed) == ("notifications_2031_03", 3, False)
    assert await pool.fetchval("SELECT to_regclass('notifications_2031_03')") is None
    assert await pool.fetchval("SELECT count(*) FROM notifications") == 0
    assert await pool.fetchval("SELECT count(*) FROM notification_keys") == 0
    assert await pool.fetchval("SELECT count(*) FROM ledger_entries") == entries
    manifest = json.loads((tmp_path / "notifications_2031_03.json").read_text())
    file = tmp_path / manifest["file"]
    assert manifest["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    assert (manifest["rows"], manifest["keep_until"]) == (3, "2036-03-01")
    with gzip.open(file, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["dedupe_key"] for r in rows) == ["hw:0", "hw:1", "hw:2"]
    assert {r["body"] for r in rows} == {ONE_PART}
    assert await _archive(pool, tmp_path) == []  # run again: nothing left to do


async def test_an_archived_file_loads_back_into_a_table_for_an_audit(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await _old_month(pool, count=2)
    [done] = await _archive(pool, tmp_path)
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE audit (LIKE notifications)")
        with gzip.open(done.export.file, "rb") as f:
            await conn.copy_to_table("audit", source=f, format="csv", header=True)
        assert await conn.fetchval("SELECT count(*) FROM audit WHERE body = $1", ONE_PART) == 2


async def test_months_inside_the_retention_or_with_sms_still_queued_are_refused(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    with pytest.raises(ArchiveRefused, match="OUTBOX_RETENTION_MONTHS=13"):
        await _archive(pool, tmp_path, before=date(2031, 6, 1))
    await _old_month(pool, status="queued")
    with pytest.raises(ArchiveRefused, match="3 SMS queued or being sent"):
        await _archive(pool, tmp_path)
    assert await pool.fetchval("SELECT count(*) FROM notifications") == 3  # still attached
    assert await pool.fetchval("SELECT count(*) FROM notification_keys") == 3


async def test_a_run_stopped_after_detaching_is_finished_by_the_next(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await _old_month(pool)
    async with pool.acquire() as conn:
        await archive_module._detach(conn, "notifications_2031_03")  # then the run was killed
    assert await pool.fetchval("SELECT count(*) FROM notifications") == 0
    assert await pool.fetchval("SELECT count(*) FROM notification_keys") == 3  # still refusing
    [done] = await _archive(pool, tmp_path)
    assert (done.table, done.export.rows, done.resumed) == ("notifications_2031_03", 3, True)
    assert await pool.fetchval("SELECT to_regclass('notifications_2031_03')") is None
    assert await pool.fetchval("SELECT count(*) FROM notification_keys") == 0


async def test_a_run_stopped_after_exporting_drops_without_writing_again(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await _old_month(pool)
    async with pool.acquire() as conn:
        await archive_module._detach(conn, "notifications_2031_03")
        first = await export_table(conn, "notifications_2031_03", tmp_path, 3, date(2036, 3, 1))
    written = first.file.stat().st_mtime_ns
    [done] = await _archive(pool, tmp_path)
    assert done.export == first
    assert first.file.stat().st_mtime_ns == written
    assert await pool.fetchval("SELECT to_regclass('notifications_2031_03')") is None


async def test_a_half_written_file_is_written_again(pool: asyncpg.Pool, tmp_path: Path) -> None:
    await _old_month(pool)
    async with pool.acquire() as conn:
        await archive_module._detach(conn, "notifications_2031_03")
    (tmp_path / "notifications_2031_03.csv.gz.part").write_bytes(b"\x1f\x8b cut off")
    (tmp_path / "notifications_2031_03.json").write_text(
        json.dumps(
            {
                "file": "notifications_2031_03.csv.gz",
                "rows": 3,
                "sha256": "0" * 64,
                "keep_until": "2036-03-01",
            }
        )
    )
    [done] = await _archive(pool, tmp_path)
    assert (done.export.rows, done.resumed) == (3, True)
    with gzip.open(done.export.file, "rt", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3


async def test_a_second_archive_run_at_the_same_time_is_refused(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await _old_month(pool)
    async with pool.acquire() as running:
        await running.execute("SELECT pg_advisory_lock($1)", archive_module._LOCK_KEY)
        with pytest.raises(ArchiveRefused, match="another `notifier archive` is running"):
            await _archive(pool, tmp_path)
        await running.execute("SELECT pg_advisory_unlock($1)", archive_module._LOCK_KEY)
    assert len(await _archive(pool, tmp_path)) == 1


def test_the_command_refuses_months_inside_the_retention_in_one_line(
    tmp_path: Path, database_url: str
) -> None:
    result = notifier(
        "archive", "outbox", "--before", "2099-01", "--dir", str(tmp_path), cwd=tmp_path,
        DATABASE_URL=database_url, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
    )  # fmt: skip
    assert one_line_error(result).startswith(
        "notifier archive: 2099-01 is inside the outbox retention (OUTBOX_RETENTION_MONTHS=13)"
    )
    result = notifier(
        "archive", "outbox", "--before", "2020-01", "--dir", str(tmp_path), cwd=tmp_path,
        DATABASE_URL=database_url, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
    )  # fmt: skip
    assert (result.returncode, result.stdout.strip()) == (
        0, "nothing to archive: the outbox has no month before 2020-01"
    )  # fmt: skip
