"""Import files and a roster for the onboarding tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import asyncpg

SUB_HEADER = ["parent_id", "pupil_id", "phone", "types", "language", "latin", "consent_source",
              "consent_at", "phone_verified_by_core"]  # fmt: skip


async def linked_roster(conn: asyncpg.Connection, pairs: list[tuple[str, str]]) -> None:
    """Pupils and their parent links, as the roster events leave them."""
    await conn.execute(
        "INSERT INTO schools VALUES ('s', 'S', 'KZ') ON CONFLICT DO NOTHING;"
        " INSERT INTO classes VALUES ('c', 's', '5А') ON CONFLICT DO NOTHING"
    )
    await conn.executemany(
        "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ($1, 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now()) ON CONFLICT DO NOTHING",
        [(pupil,) for _, pupil in pairs],
    )
    await conn.executemany(
        "INSERT INTO parent_links VALUES ($1, $2, now())", [(p, pu) for p, pu in pairs]
    )


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, object] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def balances(n: int, *, start: int = 0, amount: int = 500_00) -> list[dict[str, object]]:
    return [
        {"parent_id": f"par-{i}", "currency": "KZT", "amount": amount, "reference": f"old-{i}"}
        for i in range(start, start + n)
    ]


def read_rejects(path: Path) -> list[tuple[int, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(int(r["line"]), r["reason"]) for r in csv.DictReader(f)]


async def money_state(conn: asyncpg.Connection) -> tuple[object, ...]:
    """Everything an import of balances could change."""
    return (
        await conn.fetchval("SELECT count(*) FROM ledger_entries"),
        await conn.fetchval("SELECT count(*) FROM ledger_transactions"),
        await conn.fetch("SELECT owner, currency, posted FROM ledger_accounts ORDER BY id"),
        await conn.fetchval("SELECT count(*) FROM opening_balances"),
    )
