"""Writing a School into the database in a handful of set-based statements (COPY and
INSERT ... SELECT), so 50,000 pupils take seconds. The roster is what roster events would
have produced; wallets are credited through balanced ledger transactions, one per parent,
exactly as a manual credit would be."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from benchmarks.school import School

_SCHOOLS = (
    "INSERT INTO schools (id, name, country) VALUES"
    " ('sch-kz', 'Школа-гимназия №1', 'KZ'), ('sch-kg', 'Мектеп-лицей №1', 'KG')"
    " ON CONFLICT (id) DO NOTHING"
)
_CLEARING = (
    "INSERT INTO ledger_accounts (kind, owner, currency, normal_side) VALUES"
    " ('gateway_clearing', 'seed', 'KZT', 1), ('gateway_clearing', 'seed', 'KGS', 1)"
    " ON CONFLICT (kind, owner, currency) DO NOTHING"
)
_WALLETS = (
    "INSERT INTO ledger_accounts (kind, owner, currency, normal_side)"
    " SELECT 'wallet', owner, currency, -1"
    " FROM unnest($1::text[], $2::text[]) AS t(owner, currency)"
)
_CREDITS = """
WITH w AS (
    SELECT a.id, a.owner, a.currency, t.amount
      FROM unnest($1::text[], $2::bigint[]) AS t(owner, amount)
      JOIN ledger_accounts a ON a.kind = 'wallet' AND a.owner = t.owner
), tx AS (
    INSERT INTO ledger_transactions (kind, reference, memo)
    SELECT 'manual_credit', 'seed-' || owner, 'seeded' FROM w RETURNING id, reference
)
INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)
SELECT tx.id, leg.account_id, leg.amount, w.currency
  FROM w JOIN tx ON tx.reference = 'seed-' || w.owner
  JOIN ledger_accounts c
    ON c.kind = 'gateway_clearing' AND c.owner = 'seed' AND c.currency = w.currency
  CROSS JOIN LATERAL (VALUES (c.id, w.amount), (w.id, -w.amount)) AS leg(account_id, amount)
"""


async def seed_school(conn: asyncpg.Connection, school: School) -> None:
    """Roster, verified homework subscriptions and wallets, in one transaction."""
    now = datetime.now(UTC)
    async with conn.transaction():
        await conn.execute(_SCHOOLS)
        await _roster(conn, school, now)
        await _subscriptions(conn, school, now)
        await _wallets(conn, school)


async def _roster(conn: asyncpg.Connection, school: School, now: datetime) -> None:
    classes = [
        (c, "sch-kg" if country == "KG" else "sch-kz", f"{5 + i % 7}{'АБВГ'[i % 4]}")
        for i, (c, country) in enumerate(school.class_country.items())
    ]
    await conn.copy_records_to_table(
        "classes", records=classes, columns=["id", "school_id", "name"]
    )
    pupils = [
        (p, row[1], row[0], f"Ученик{p[-2:]}", _locale(school, row[0]), "Asia/Almaty", now)
        for row in classes
        for p in school.pupils[row[0]]
    ]
    await conn.copy_records_to_table(
        "pupils",
        records=pupils,
        columns=["id", "school_id", "class_id", "first_name", "locale", "time_zone", "as_of"],
    )
    links = [(s.parent_id, s.pupil_id, now) for s in school.subscriptions]
    await conn.copy_records_to_table(
        "parent_links", records=links, columns=["parent_id", "pupil_id", "linked_at"]
    )


def _locale(school: School, class_id: str) -> str:
    return "ky" if school.class_country[class_id] == "KG" else "kk"


async def _subscriptions(conn: asyncpg.Connection, school: School, now: datetime) -> None:
    rows = [
        (s.parent_id, s.pupil_id, s.phone, ["homework"], s.language, now)
        for s in school.subscriptions
    ]
    await conn.copy_records_to_table(
        "subscriptions",
        records=rows,
        columns=["parent_id", "pupil_id", "phone", "types", "language", "phone_verified_at"],
    )


async def _wallets(conn: asyncpg.Connection, school: School) -> None:
    owners = sorted(school.wallets)
    await conn.execute(_CLEARING)
    await conn.execute(_WALLETS, owners, [school.wallets[o][0] for o in owners])
    await conn.execute(_CREDITS, owners, [school.wallets[o][1] for o in owners])
