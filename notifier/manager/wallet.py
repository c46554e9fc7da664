"""A parent's prepaid SMS wallet as they see it: balance, statement, what a text would cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.errors import NoTariff
from billing.ledger import wallet_balance
from billing.money import COUNTRY_CURRENCY
from billing.tariffs import price, price_per_part
from billing.types import Conn
from gateways.sms.segments import SmsParts, count_parts
from notifier.manager.paging import Page, decode_cursor, make_page
from notifier.sms.phones import phone_country
from notifier.sms.texts import Language

CURRENCY_COUNTRY = {currency: country for country, currency in COUNTRY_CURRENCY.items()}
DEFAULT_CURRENCY = "KZT"


@dataclass(frozen=True)
class WalletView:
    currency: str | None  # None until the first top-up opens the wallet
    posted: int
    held: int
    available: int
    price_per_part: int | None

    @property
    def sms_parts_covered(self) -> int | None:
        if self.price_per_part is None:
            return None
        return self.available // self.price_per_part


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    at: datetime
    amount: int  # signed, from the parent's side: money in is positive
    currency: str
    kind: str
    description: str


@dataclass(frozen=True)
class CostPreview:
    sms: SmsParts
    price: int
    currency: str


async def wallet_view(conn: Conn, parent_id: str, now: datetime) -> WalletView:
    balance = await wallet_balance(conn, parent_id)
    if balance is None:
        return WalletView(None, 0, 0, 0, None)
    per_part = await _tariff(conn, balance.currency, now)
    return WalletView(balance.currency, balance.posted, balance.held, balance.available, per_part)


async def statement(
    conn: Conn, parent_id: str, *, language: Language, limit: int, cursor: str | None
) -> Page[StatementLine]:
    before = decode_cursor(cursor, (int,))[0] if cursor else None
    # The wallet is credit-normal: a credit (negative entry) is money in for the parent.
    rows = await conn.fetch(
        "SELECT e.id, t.created_at, -e.amount AS amount, e.currency, t.kind FROM ledger_entries e"
        " JOIN ledger_transactions t ON t.id = e.transaction_id"
        " JOIN ledger_accounts a ON a.id = e.account_id"
        " WHERE a.kind = 'wallet' AND a.owner = $1 AND ($2::bigint IS NULL OR e.id < $2)"
        " ORDER BY e.id DESC LIMIT $3",
        parent_id,
        before,
        limit + 1,
    )
    lines = [
        StatementLine(
            r["id"],
            r["created_at"],
            r["amount"],
            r["currency"],
            r["kind"],
            describe(r["kind"], language),
        )
        for r in rows
    ]
    return make_page(lines, limit, lambda line: [line.entry_id])


async def cost_preview(conn: Conn, parent_id: str, text: str, now: datetime) -> CostPreview:
    """Priced in the wallet's currency, else by the parent's phone country, else in KZT."""
    currency = await parent_currency(conn, parent_id)
    sms = count_parts(text)
    per_part = await price_per_part(conn, currency, now, CURRENCY_COUNTRY.get(currency))
    return CostPreview(sms, price(sms.parts, per_part), currency)


async def parent_currency(conn: Conn, parent_id: str) -> str:
    balance = await wallet_balance(conn, parent_id)
    if balance is not None:
        return balance.currency
    phone = await conn.fetchval(
        "SELECT phone FROM subscriptions WHERE parent_id = $1 ORDER BY updated_at DESC LIMIT 1",
        parent_id,
    )
    return COUNTRY_CURRENCY[phone_country(phone)] if phone else DEFAULT_CURRENCY


async def _tariff(conn: Conn, currency: str, now: datetime) -> int | None:
    try:
        return await price_per_part(conn, currency, now, CURRENCY_COUNTRY.get(currency))
    except NoTariff:
        return None


# Ledger transaction kinds as a parent would name them.
DESCRIPTIONS: dict[str, dict[Language, str]] = {
    "top_up": {"ru": "Пополнение баланса", "kk": "Балансты толықтыру", "ky": "Балансты толуктоо"},
    "sms_charge": {"ru": "Оплата SMS", "kk": "SMS төлемі", "ky": "SMS төлөмү"},
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
