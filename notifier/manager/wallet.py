"""A parent's prepaid SMS wallet as they see it: balance and what a text would cost (the
statement: notifier/manager/statement.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.errors import NoTariff
from billing.ledger import wallet_balance
from billing.money import COUNTRY_CURRENCY
from billing.tariffs import price, price_per_part
from billing.types import Conn
from gateways.sms.segments import SmsParts, count_parts
from notifier.sms.phones import phone_country

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
