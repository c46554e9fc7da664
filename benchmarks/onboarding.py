"""Onboarding a country: N subscriptions and N opening balances imported from files by the
same code as `notifier import`, beside a raw COPY of the same files into plain text tables
(the ceiling: the bytes into PostgreSQL, nothing checked, no index).

The roster (N pupils, each linked to a parent) is seeded by COPY first, as the roster's
initial load would leave it. Phones come in the usual spellings ("+7701…", "8 701 …",
"+996 555 …"), so each is normalised as the API does it.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import asyncpg

from notifier.onboarding.cli import import_file
from notifier.onboarding.rows import COLUMNS

PUPILS_PER_CLASS = 25


async def onboarding_rates(database_url: str, n: int, folder: Path) -> dict[str, float]:
    subscriptions = _write(folder / "subscriptions.csv", "subscriptions", _subscriptions(n))
    balances = _write(folder / "balances.csv", "balances", _balances(n))
    conn = await asyncpg.connect(database_url)
    try:
        await _roster(conn, n)
        results = {
            "pg_copy_subscriptions_rows_per_s": await _raw_copy(conn, subscriptions),
            "pg_copy_balances_rows_per_s": await _raw_copy(conn, balances),
        }
    finally:
        await conn.close()
    for kind, path in (("subscriptions", subscriptions), ("balances", balances)):
        started = time.perf_counter()
        outcome, _ = await import_file(database_url, kind, path, out=sys.stderr)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        if outcome.imported != n:
            raise RuntimeError(f"onboarding bench: {kind} imported {outcome.imported} of {n}")
        results[f"onboarding_{kind}_per_s"] = n / seconds
        results[f"onboarding_{kind}_seconds"] = seconds
    results["onboarding_rows"] = n
    return results


def _subscriptions(n: int) -> list[list[str]]:
    spellings = ("+7701{:07d}", "8 701 {:07d}", "+996 555 {:06d}")
    return [
        [f"par-{i}", f"pu-{i}", spellings[i % 3].format(i % 1_000_000), "homework weekly_grades",
         "ru", "false", "previous-system", "2024-09-01T10:00:00+05:00", "true" if i % 2 else ""]
        for i in range(n)
    ]  # fmt: skip


def _balances(n: int) -> list[list[str]]:
    return [[f"par-{i}", "KZT", str(100_00 + i % 500_000), f"old-{i}"] for i in range(n)]


def _write(path: Path, kind: str, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(COLUMNS[kind]))  # type: ignore[index]
        writer.writerows(rows)
    return path


async def _roster(conn: asyncpg.Connection, n: int) -> None:
    classes = range(-(-n // PUPILS_PER_CLASS))
    await conn.execute("INSERT INTO schools VALUES ('sch-on', 'Onboarding', 'KZ')")
    await conn.copy_records_to_table(
        "classes", records=[(f"c-{c}", "sch-on", f"{c}А") for c in classes]
    )
    await conn.execute(
        "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " SELECT 'pu-' || i, 'sch-on', 'c-' || (i / $2), 'Дана', 'ru', 'Asia/Almaty', now()"
        " FROM generate_series(0, $1 - 1) AS i",
        n,
        PUPILS_PER_CLASS,
    )
    await conn.execute(
        "INSERT INTO parent_links SELECT 'par-' || i, 'pu-' || i, now()"
        " FROM generate_series(0, $1 - 1) AS i",
        n,
    )


async def _raw_copy(conn: asyncpg.Connection, path: Path) -> float:
    with path.open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    table = f"raw_{path.stem}"
    await conn.execute(f"CREATE TABLE {table} ({', '.join(f'{c} text' for c in header)})")
    started = time.perf_counter()
    result = await conn.copy_to_table(table, source=path, format="csv", header=True)
    seconds = time.perf_counter() - started
    return int(result.split()[-1]) / seconds
