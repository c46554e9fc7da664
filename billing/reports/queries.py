"""Finance reports, straight from the ledger: each is a query over a period returning rows.

Days and periods are calendar days in FINANCE_TZ (Kazakhstan and Kyrgyzstan share UTC+5);
money columns are integers in minor units next to a `currency` column.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from billing.types import Conn

FINANCE_TZ = "Asia/Almaty"
MAX_DAYS = 366

JOURNAL = ("transaction_id", "at", "transaction_kind", "reference", "account_kind",
           "account_owner", "currency", "debit", "credit")  # fmt: skip
TRIAL_BALANCE = ("account_kind", "currency", "opening_balance", "debits", "credits",
                 "closing_balance")  # fmt: skip
LIABILITIES = ("currency", "school_id", "school_name", "parents", "balance")
SMS_REVENUE = ("day", "school_id", "school_name", "currency", "messages", "paid_by_parents",
               "paid_by_house", "revenue")  # fmt: skip
TOP_UPS = ("day", "gateway", "currency", "top_ups", "amount")


@dataclass(frozen=True)
class Period:
    """Calendar days `first`..`last`, both included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), ZoneInfo(FINANCE_TZ))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(FINANCE_TZ))


@dataclass(frozen=True)
class Report:
    name: str
    columns: tuple[str, ...]
    money: frozenset[str]  # the columns in minor units
    rows: list[dict[str, Any]] = field(default_factory=list)


async def journal(conn: Conn, period: Period) -> Report:
    """Every ledger entry of the period, one row each, debit and credit in their own columns."""
    rows = await conn.fetch(
        "SELECT t.id AS transaction_id, t.created_at AS at, t.kind AS transaction_kind,"
        " t.reference, a.kind AS account_kind, a.owner AS account_owner, e.currency,"
        " greatest(e.amount, 0) AS debit, greatest(-e.amount, 0) AS credit"
        " FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id"
        " JOIN ledger_accounts a ON a.id = e.account_id"
        " WHERE t.created_at >= $1 AND t.created_at < $2 ORDER BY t.id, e.id",
        period.start,
        period.end,
    )
    return _report("journal", JOURNAL, {"debit", "credit"}, rows)


async def trial_balance(conn: Conn, period: Period) -> Report:
    """Per account kind and currency: opening balance, the period's debits and credits, closing
    balance (debit-positive). A TOTAL row per currency, whose balances must be zero."""
    rows = await conn.fetch(
        "SELECT a.kind AS account_kind, e.currency,"
        " coalesce(sum(e.amount) FILTER (WHERE t.created_at < $1), 0)::bigint AS opening_balance,"
        " coalesce(sum(e.amount) FILTER (WHERE t.created_at >= $1 AND e.amount > 0), 0)::bigint"
        " AS debits,"
        " coalesce(-sum(e.amount) FILTER (WHERE t.created_at >= $1 AND e.amount < 0), 0)::bigint"
        " AS credits, sum(e.amount)::bigint AS closing_balance"
        " FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id"
        " JOIN ledger_accounts a ON a.id = e.account_id WHERE t.created_at < $2"
        " GROUP BY e.currency, a.kind ORDER BY e.currency, a.kind",
        period.start,
        period.end,
    )
    money = {"opening_balance", "debits", "credits", "closing_balance"}
    return _with_totals(_report("trial_balance", TRIAL_BALANCE, money, rows), "account_kind")


async def liabilities(conn: Conn, period: Period) -> Report:
    """Unspent prepaid money at the end of the period, per currency and school.

    A parent with children in several schools counts towards the school of the child linked to
    them first (earliest link, then pupil id): each tenge is owed once, to one school's parents.
    Parents linked to no child show with no school.
    """
    rows = await conn.fetch(
        "WITH first_child AS (SELECT DISTINCT ON (l.parent_id) l.parent_id, p.school_id"
        "  FROM parent_links l JOIN pupils p ON p.id = l.pupil_id"
        "  ORDER BY l.parent_id, l.linked_at, l.pupil_id),"
        " wallets AS (SELECT a.owner AS parent_id, a.currency, -sum(e.amount)::bigint AS balance"
        "  FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id"
        "  JOIN ledger_transactions t ON t.id = e.transaction_id"
        "  WHERE a.kind = 'wallet' AND t.created_at < $1 GROUP BY a.owner, a.currency"
        "  HAVING sum(e.amount) <> 0)"
        " SELECT w.currency, f.school_id, s.name AS school_name, count(*) AS parents,"
        " sum(w.balance)::bigint AS balance FROM wallets w"
        " LEFT JOIN first_child f ON f.parent_id = w.parent_id"
        " LEFT JOIN schools s ON s.id = f.school_id"
        " GROUP BY w.currency, f.school_id, s.name ORDER BY w.currency, f.school_id NULLS LAST",
        period.end,
    )
    report = _report("liabilities", LIABILITIES, {"balance"}, rows)
    return _with_totals(report, "school_id", "parents")


# Every entry on an SMS revenue account, traced back to its notification: a charge through
# the hold it captured, a refund of an undelivered SMS through the hold it names
# ("hold:<id>"), a house payment and its reversal through "notification:<id>". Messages
# count SMS that went out: charges and house SMS, less house SMS that were never sent.
_SMS_REVENUE_SQL = (
    "WITH revenue AS (SELECT t.created_at, t.kind, e.currency, -e.amount AS amount,"
    "  coalesce(h.reference, refunded.reference, t.reference) AS cause"
    "  FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id"
    "  JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'sms_revenue'"
    "  LEFT JOIN ledger_holds h ON h.transaction_id = t.id"
    # CASE: the cast must only ever see "hold:<id>" references.
    "  LEFT JOIN ledger_holds refunded ON refunded.id ="
    "   CASE WHEN t.kind = 'sms_refund' THEN substr(t.reference, 6)::bigint END"
    "  WHERE t.created_at >= $1 AND t.created_at < $2)"
    " SELECT (r.created_at AT TIME ZONE $3)::date AS day, p.school_id,"
    " s.name AS school_name, r.currency,"
    " (count(*) FILTER (WHERE r.kind IN ('sms_charge', 'house_sms'))"
    "  - count(*) FILTER (WHERE r.kind = 'house_sms_reversal')) AS messages,"
    " coalesce(sum(r.amount) FILTER (WHERE r.kind IN ('sms_charge', 'sms_refund')), 0)::bigint"
    " AS paid_by_parents,"
    " coalesce(sum(r.amount) FILTER (WHERE r.kind IN ('house_sms', 'house_sms_reversal')),"
    "  0)::bigint AS paid_by_house, sum(r.amount)::bigint AS revenue FROM revenue r"
    " LEFT JOIN notifications n ON n.id = CASE WHEN r.cause ~ '^notification:[0-9]+$'"
    "  THEN substr(r.cause, 14)::bigint END"
    " LEFT JOIN pupils p ON p.id = n.pupil_id LEFT JOIN schools s ON s.id = p.school_id"
    " GROUP BY 1, 2, 3, 4 ORDER BY 1, 4, 2 NULLS LAST"
)


async def sms_revenue(conn: Conn, period: Period) -> Report:
    """SMS revenue per day and school: charged to parents' wallets or paid by the house.
    SMS about no child (e.g. verification codes) show with no school."""
    rows = await conn.fetch(_SMS_REVENUE_SQL, period.start, period.end, FINANCE_TZ)
    money = {"paid_by_parents", "paid_by_house", "revenue"}
    return _report("sms_revenue", SMS_REVENUE, money, rows)


async def top_ups(conn: Conn, period: Period) -> Report:
    """Top-ups per day and gateway, from the ledger's top_up transactions."""
    rows = await conn.fetch(
        "SELECT (t.created_at AT TIME ZONE $3)::date AS day, a.owner AS gateway, e.currency,"
        " count(*) AS top_ups, sum(e.amount)::bigint AS amount"
        " FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id"
        " JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'gateway_clearing'"
        " WHERE t.kind = 'top_up' AND t.created_at >= $1 AND t.created_at < $2"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        period.start,
        period.end,
        FINANCE_TZ,
    )
    return _report("top_ups", TOP_UPS, {"amount"}, rows)


REPORTS: dict[str, Callable[[Conn, Period], Awaitable[Report]]] = {
    "journal": journal,
    "trial-balance": trial_balance,
    "liabilities": liabilities,
    "sms-revenue": sms_revenue,
    "top-ups": top_ups,
}


def _report(name: str, columns: tuple[str, ...], money: set[str], rows: list[Any]) -> Report:
    return Report(name, columns, frozenset(money), [dict(r) for r in rows])


def _with_totals(report: Report, label: str, *counts: str) -> Report:
    """After each currency's rows (they come sorted by currency), a TOTAL row summing the money
    (and `counts`) columns."""
    rows: list[dict[str, Any]] = []
    for currency, group in groupby(report.rows, key=lambda r: r["currency"]):
        same = list(group)
        total = dict.fromkeys(report.columns) | {label: "TOTAL", "currency": currency}
        total |= {c: sum(r[c] for r in same) for c in report.money | set(counts)}
        rows += [*same, total]
    return Report(report.name, report.columns, report.money, rows)
