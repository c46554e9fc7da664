"""A parent's balance statement: every credit and debit of their wallet, newest first, each
saying what it was (notifier/manager/statement_texts.py words it).

An SMS charge and its refund share the ledger reference `hold:<hold id>`, which is also the
outbox row's `hold_id`: that is how a line finds its SMS and a refund the charge it returns.
A top-up's gateway owns the clearing account the money came from. A weekly digest sent once
per phone names every child it covers (digest_coverage), "Дана, Тимур".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from billing.types import Conn
from notifier.manager.paging import Page, decode_cursor, make_page
from notifier.manager.statement_texts import (
    REFUND_REASONS,
    SmsFacts,
    charge_line,
    refund_line,
    sms_family,
    top_up_line,
)
from notifier.sms.texts import Language

# The wallet is credit-normal: a credit (negative entry) is money in for the parent.
_LINES = """
SELECT e.id, t.created_at, -e.amount AS amount, e.currency, t.kind,
       n.kind AS sms_kind, n.body, n.delivery_status,
       coalesce((SELECT string_agg(cp.first_name, ', ' ORDER BY c.subscription_id)
                   FROM digest_coverage c JOIN pupils cp ON cp.id = c.pupil_id
                  WHERE n.kind = 'weekly_digest' AND c.sent_with = n.subscription_id
                    AND n.dedupe_key = 'weekly_digest:' || c.iso_week), p.first_name)
           AS first_name,
       CASE WHEN t.kind = 'sms_refund' THEN (
           SELECT c.id FROM ledger_entries c JOIN ledger_transactions ct ON ct.id = c.transaction_id
            WHERE ct.kind = 'sms_charge' AND ct.reference = t.reference
              AND c.account_id = e.account_id LIMIT 1) END AS refund_of,
       CASE WHEN t.kind = 'top_up' THEN (
           SELECT ga.owner FROM ledger_entries g JOIN ledger_accounts ga ON ga.id = g.account_id
            WHERE g.transaction_id = t.id AND ga.kind = 'gateway_clearing' LIMIT 1) END
           AS gateway
  FROM ledger_entries e
  JOIN ledger_transactions t ON t.id = e.transaction_id
  JOIN ledger_accounts a ON a.id = e.account_id
  LEFT JOIN notifications n ON n.hold_id = CASE
       WHEN t.kind IN ('sms_charge', 'sms_refund') AND t.reference LIKE 'hold:%'
       THEN substr(t.reference, 6)::bigint END
  LEFT JOIN pupils p ON p.id = n.pupil_id
 WHERE a.kind = 'wallet' AND a.owner = $1 AND ($2::bigint IS NULL OR e.id < $2)
 ORDER BY e.id DESC LIMIT $3
"""


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    at: datetime
    amount: int  # signed, from the parent's side: money in is positive
    currency: str
    kind: str
    description: str
    child: str | None = None
    sms_kind: str | None = None  # homework, digest, announcement, grade (charges and refunds)
    refund_reason: str | None = None  # undeliverable, expired, failed
    refund_of: int | None = None  # the entry id of the charge a refund returns
    gateway: str | None = None  # top-ups: the way the parent paid


async def statement(
    conn: Conn, parent_id: str, *, language: Language, limit: int, cursor: str | None
) -> Page[StatementLine]:
    before = decode_cursor(cursor, (int,))[0] if cursor else None
    rows = await conn.fetch(_LINES, parent_id, before, limit + 1)
    lines = [_line(dict(r), language) for r in rows]
    return make_page(lines, limit, lambda line: [line.entry_id])


def _line(r: dict[str, Any], language: Language) -> StatementLine:
    base = StatementLine(
        r["id"], r["created_at"], r["amount"], r["currency"], r["kind"],
        describe(r["kind"], language),
    )  # fmt: skip
    sms = SmsFacts(r["sms_kind"], r["first_name"], r["body"], r["delivery_status"])
    if r["kind"] == "sms_charge" and r["sms_kind"] is not None:
        return _with(base, charge_line(sms, language), sms)
    if r["kind"] == "sms_refund":
        found = sms if r["sms_kind"] is not None else None
        line = _with(base, refund_line(found, language), found)
        reason = r["delivery_status"] if r["delivery_status"] in REFUND_REASONS else None
        return _replace(line, refund_reason=reason, refund_of=r["refund_of"])
    if r["kind"] == "top_up" and r["gateway"] is not None:
        named = top_up_line(r["gateway"], language)
        return _replace(base, description=named, gateway=r["gateway"])
    return base


def _with(base: StatementLine, description: str, sms: SmsFacts | None) -> StatementLine:
    if sms is None:
        return _replace(base, description=description)
    return _replace(base, description=description, child=sms.child, sms_kind=sms_family(sms.kind))


def _replace(line: StatementLine, **changes: Any) -> StatementLine:
    return replace(line, **changes)


# Ledger transaction kinds without an SMS or a gateway behind them, as a parent names them.
DESCRIPTIONS: dict[str, dict[Language, str]] = {
    "sms_charge": {"ru": "Оплата SMS", "kk": "SMS төлемі", "ky": "SMS төлөмү"},
    "sms_refund": {"ru": "Возврат за SMS", "kk": "SMS үшін қайтару", "ky": "SMS үчүн кайтаруу"},
    "top_up": {"ru": "Пополнение баланса", "kk": "Балансты толықтыру", "ky": "Балансты толуктоо"},
    "refund": {"ru": "Возврат платежа", "kk": "Төлемді қайтару", "ky": "Төлөмдү кайтаруу"},
    "dispute_lost": {
        "ru": "Списание по спору о платеже",
        "kk": "Төлем дауы бойынша шегерім",
        "ky": "Төлөм талашы боюнча кармап калуу",
    },
    "dispute_won": {
        "ru": "Возврат по спору о платеже",
        "kk": "Төлем дауы бойынша қайтару",
        "ky": "Төлөм талашы боюнча кайтаруу",
    },
    "manual_credit": {"ru": "Зачисление", "kk": "Қаражат түсті", "ky": "Каражат түштү"},
}
_OTHER: dict[Language, str] = {
    "ru": "Операция по балансу",
    "kk": "Баланс бойынша операция",
    "ky": "Баланс боюнча операция",
}


def describe(kind: str, language: Language) -> str:
    return DESCRIPTIONS.get(kind, _OTHER)[language]
