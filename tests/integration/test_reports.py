"""Finance reports over a seeded ledger give exact numbers, and the books balance."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from billing.delivery import refund_undelivered, reverse_house_sms
from billing.holds import capture_hold, place_hold
from billing.ledger import credit_wallet
from billing.reports import (
    FINANCE_TZ,
    Period,
    journal,
    liabilities,
    sms_revenue,
    top_ups,
    trial_balance,
)
from notifier.outbox.house import queue_house_sms
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.money_support import pin_to

TODAY = datetime.now(ZoneInfo(FINANCE_TZ)).date()
NOON = datetime.combine(TODAY, time(12), ZoneInfo(FINANCE_TZ))
LAST_MONTH = datetime.combine(TODAY - timedelta(days=30), datetime.min.time(), ZoneInfo(FINANCE_TZ))


async def _roster(conn: asyncpg.Connection) -> None:
    await conn.executemany(
        "INSERT INTO schools (id, name, country) VALUES ($1, $2, $3)",
        [("sch-a", "Гимназия №1", "KZ"), ("sch-b", "Лицей №2", "KZ"), ("sch-c", "Мектеп 3", "KG")],
    )
    await conn.executemany(
        "INSERT INTO classes VALUES ($1, $2, '5А')",
        [("ca", "sch-a"), ("cb", "sch-b"), ("cc", "sch-c")],
    )
    for pupil, school, cls, parent, linked in [
        ("a1", "sch-a", "ca", "p1", 1),  # p1's first child: p1 counts towards school A
        ("b2", "sch-b", "cb", "p1", 2),
        ("b1", "sch-b", "cb", "p2", 1),
        ("c1", "sch-c", "cc", "p3", 1),
    ]:
        await conn.execute(
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ($1, $2, $3, 'Дана', 'ru', 'Asia/Almaty', now())",
            pupil, school, cls,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO parent_links VALUES ($1, $2, $3)",
            parent, pupil, LAST_MONTH + timedelta(days=linked),
        )  # fmt: skip


async def top_up(conn: asyncpg.Connection, parent: str, amount: int, cur: str, gw: str) -> int:
    ref = f"{gw}:pi_{uuid.uuid4().hex[:8]}"
    tx = await credit_wallet(conn, parent, amount, cur, source=("gateway_clearing", gw),
                             kind="top_up", reference=ref)  # fmt: skip
    assert tx is not None
    return tx


async def sms(conn: asyncpg.Connection, parent: str, pupil: str, price: int, cur: str) -> int:
    """A sent SMS about `pupil`, charged to `parent` through a hold, as the dispatcher does."""
    notification_id = await conn.fetchval(
        "INSERT INTO notifications (event_id, parent_id, pupil_id, kind, phone, body, encoding,"
        " parts, price, currency, status) VALUES ($1, $2, $3, 'homework', '+77011234567', 'ДЗ',"
        " 'UCS-2', 1, $4, $5, 'sent') RETURNING id",
        uuid.uuid4(), parent, pupil, price, cur,
    )  # fmt: skip
    ref = f"notification:{notification_id}"
    hold = await place_hold(
        conn, parent, price, reference=ref, expires_at=LAST_MONTH + timedelta(90)
    )
    return await capture_hold(conn, hold.id)


async def backdate(conn: asyncpg.Connection, tx_id: int, at: datetime) -> None:
    """Move a transaction into the past (the ledger refuses updates; triggers are off here)."""
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute("UPDATE ledger_transactions SET created_at = $2 WHERE id = $1", tx_id, at)
    await conn.execute("SET LOCAL session_replication_role = DEFAULT")


async def seed_ledger(conn: asyncpg.Connection) -> None:
    """Last month: p1 tops up 50.00 KZT. Today: top-ups of 500.00 (p1, stripe), 300.00 (p2,
    stripe), 100.00 (p2, kaspi) KZT and 200.00 KGS (p3, stripe); SMS of 40.00 (p1 about a1),
    20.00 (p1 about b2), 60.00 (p2 about b1) KZT and 6.00 KGS (p3 about c1); p2 has 20.00 on
    hold for an SMS not yet sent."""
    async with conn.transaction():
        await _roster(conn)
        await backdate(conn, await top_up(conn, "p1", 50_00, "KZT", "stripe"), LAST_MONTH)
        await top_up(conn, "p1", 500_00, "KZT", "stripe")
        await top_up(conn, "p2", 300_00, "KZT", "stripe")
        await top_up(conn, "p2", 100_00, "KZT", "kaspi")
        await top_up(conn, "p3", 200_00, "KGS", "stripe")
        await sms(conn, "p1", "a1", 40_00, "KZT")
        await sms(conn, "p1", "b2", 20_00, "KZT")
        await sms(conn, "p2", "b1", 60_00, "KZT")
        await sms(conn, "p3", "c1", 6_00, "KGS")
        await place_hold(conn, "p2", 20_00, reference="open", expires_at=LAST_MONTH + timedelta(90))
        await pin_to(conn, NOON)


def _pick(rows: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for r in rows]


async def test_top_ups_per_gateway_and_day(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await seed_ledger(conn)
        report = await top_ups(conn, Period(TODAY, TODAY))
    assert _pick(report.rows, "day", "gateway", "currency", "top_ups", "amount") == [
        (TODAY, "kaspi", "KZT", 1, 100_00),
        (TODAY, "stripe", "KGS", 1, 200_00),
        (TODAY, "stripe", "KZT", 2, 800_00),
    ]


async def test_sms_revenue_per_school_and_day(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await seed_ledger(conn)
        report = await sms_revenue(conn, Period(TODAY - timedelta(days=1), TODAY))
    assert _pick(report.rows, "day", "school_id", "currency", "messages", "revenue") == [
        (TODAY, "sch-c", "KGS", 1, 6_00),
        (TODAY, "sch-a", "KZT", 1, 40_00),
        (TODAY, "sch-b", "KZT", 2, 80_00),
    ]
    assert {r["paid_by_house"] for r in report.rows} == {0}


async def test_liabilities_per_school_count_a_parent_once_at_their_first_childs_school(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await seed_ledger(conn)
        report = await liabilities(conn, Period(TODAY, TODAY))
        before_today = await liabilities(
            conn, Period(TODAY - timedelta(days=30), TODAY - timedelta(1))
        )
    assert _pick(report.rows, "currency", "school_id", "parents", "balance") == [
        ("KGS", "sch-c", 1, 194_00),
        ("KGS", "TOTAL", 1, 194_00),
        ("KZT", "sch-a", 1, 490_00),  # p1: 50 + 500 - 40 - 20, though b2 is at school B
        ("KZT", "sch-b", 1, 340_00),  # p2: money on hold is still owed to them
        ("KZT", "TOTAL", 2, 830_00),
    ]
    assert _pick(before_today.rows, "school_id", "balance") == [("sch-a", 50_00), ("TOTAL", 50_00)]


async def test_trial_balance_totals_are_zero_and_match_the_ledger(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await seed_ledger(conn)
        await assert_ledger_invariants(conn)
        report = await trial_balance(conn, Period(TODAY, TODAY))
    columns = (
        "account_kind",
        "currency",
        "opening_balance",
        "debits",
        "credits",
        "closing_balance",
    )
    assert _pick(report.rows, *columns) == [
        ("gateway_clearing", "KGS", 0, 200_00, 0, 200_00),
        ("sms_revenue", "KGS", 0, 0, 6_00, -6_00),
        ("wallet", "KGS", 0, 6_00, 200_00, -194_00),
        ("TOTAL", "KGS", 0, 206_00, 206_00, 0),
        ("gateway_clearing", "KZT", 50_00, 900_00, 0, 950_00),
        ("sms_revenue", "KZT", 0, 0, 120_00, -120_00),
        ("wallet", "KZT", -50_00, 120_00, 900_00, -830_00),
        ("TOTAL", "KZT", 0, 1020_00, 1020_00, 0),
    ]


async def test_the_journal_lists_each_entry_of_the_period_once(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await seed_ledger(conn)
        report = await journal(conn, Period(TODAY, TODAY))
        last_month = await journal(conn, Period(date(1970, 1, 1), TODAY - timedelta(days=1)))
    assert len(report.rows) == 16  # 8 transactions today, two legs each
    assert sum(r["debit"] for r in report.rows) == sum(r["credit"] for r in report.rows)
    charge = next(r for r in report.rows if r["transaction_kind"] == "sms_charge")
    assert (charge["account_kind"], charge["account_owner"], charge["debit"]) == (
        "wallet",
        "p1",
        40_00,
    )
    assert _pick(last_month.rows, "account_kind", "debit", "credit") == [
        ("gateway_clearing", 50_00, 0),
        ("wallet", 0, 50_00),
    ]


async def test_refunds_and_unsent_free_sms_are_netted_where_they_belong(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await seed_ledger(conn)
        async with conn.transaction():
            charge = await conn.fetchval(
                "SELECT id FROM ledger_holds WHERE status = 'captured' AND amount = 40_00"
            )
            await refund_undelivered(conn, charge)  # a1's 40.00 SMS was undeliverable
            free = await queue_house_sms(
                conn, parent_id="p2", pupil_id="b1", phone="+77011234567", kind="verification",
                body="Код: 123456", now=NOON,
            )  # fmt: skip
            await reverse_house_sms(conn, free)  # and it was never sent
            await pin_to(conn, NOON)
        report = await sms_revenue(conn, Period(TODAY, TODAY))
        await assert_ledger_invariants(conn)
    rows = _pick(report.rows, "school_id", "currency", "messages", "paid_by_parents",
                 "paid_by_house", "revenue")  # fmt: skip
    assert rows == [
        ("sch-c", "KGS", 1, 6_00, 0, 6_00),
        ("sch-a", "KZT", 1, 0, 0, 0),  # sent, then refunded: no revenue from school A
        ("sch-b", "KZT", 2, 80_00, 0, 80_00),  # the unsent free SMS counts for nothing
    ]
