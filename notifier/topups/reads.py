"""Reading a parent's top-ups: one by id (TopUpNotFound unless theirs), or a page; and the
currency a first top-up is taken in."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from billing.ledger import wallet_balance
from billing.money import COUNTRY_CURRENCY
from billing.topup_queries import parent_top_up, parent_top_ups
from billing.topup_store import TopUp
from billing.types import Conn
from notifier.manager.paging import decode_cursor, encode_cursor
from notifier.sms.phones import phone_country
from notifier.topups.errors import TopUpNotFound

DEFAULT_CURRENCY = "KZT"


async def parent_currency(conn: Conn, parent_id: str) -> str:
    """The wallet's currency; before the first top-up, by the parent's phone country."""
    balance = await wallet_balance(conn, parent_id)
    if balance is not None:
        return balance.currency
    phone = await conn.fetchval(
        "SELECT phone FROM subscriptions WHERE parent_id = $1 AND phone IS NOT NULL"
        " ORDER BY updated_at DESC LIMIT 1",
        parent_id,
    )
    return COUNTRY_CURRENCY.get(phone_country(phone), DEFAULT_CURRENCY) if phone else "KZT"


async def read_one(conn: Conn, parent_id: str, raw_id: str) -> TopUp:
    try:
        top_up_id = UUID(raw_id)
    except ValueError:
        top_up_id = None
    top_up = await parent_top_up(conn, parent_id, top_up_id) if top_up_id else None
    if top_up is None:
        raise TopUpNotFound("no such top-up")
    return top_up


async def read_page(
    conn: Conn, parent_id: str, limit: int, cursor: str | None
) -> tuple[list[TopUp], str | None]:
    """A page, newest first, and the cursor of the next one. InvalidCursor for a bad cursor."""
    after = _after(cursor) if cursor else None
    found = await parent_top_ups(conn, parent_id, limit=limit + 1, after=after)
    items, more = found[:limit], len(found) > limit
    last = items[-1] if more else None
    next_cursor = encode_cursor([last.created_at.isoformat(), str(last.id)]) if last else None
    return items, next_cursor


def _after(cursor: str) -> tuple[datetime, UUID]:
    at, top_up_id = decode_cursor(cursor, (datetime, UUID))
    return at, top_up_id
