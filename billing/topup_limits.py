"""What a parent may top up: amounts per currency, one currency per wallet, a daily limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.errors import BillingError, CurrencyMismatch
from billing.ledger import wallet_balance
from billing.money import format_amount
from billing.types import Conn

DAY = timedelta(days=1)


class AmountOutOfRange(BillingError, ValueError):
    def __init__(self, amount: int, currency: str, low: int, high: int) -> None:
        super().__init__(
            f"a top-up must be between {format_amount(low, currency)} and"
            f" {format_amount(high, currency)}, not {format_amount(amount, currency)}"
        )
        self.currency, self.minimum, self.maximum = currency, low, high


class DailyLimitReached(BillingError):
    def __init__(self, currency: str, limit: int, left: int, retry_after: int) -> None:
        super().__init__(
            f"top-ups are limited to {format_amount(limit, currency)} in 24 hours;"
            f" {format_amount(left, currency)} more can be paid now"
        )
        self.currency, self.limit, self.left, self.retry_after = currency, limit, left, retry_after


@dataclass(frozen=True)
class TopUpLimits:
    """Per currency, in minor units: the smallest and largest top-up, and the most a parent
    may top up in any 24 hours (failed and expired attempts do not count)."""

    minimum: Mapping[str, int]
    maximum: Mapping[str, int]
    daily: Mapping[str, int]


async def check_currency(conn: Conn, parent_id: str, currency: str) -> None:
    """A wallet holds one currency: the wallet's, or that of top-ups still under way."""
    wallet = await wallet_balance(conn, parent_id)
    held_in = wallet.currency if wallet else await conn.fetchval(
        "SELECT currency FROM top_ups WHERE parent_id = $1 AND status IN ('created', 'pending')"
        " LIMIT 1",
        parent_id,
    )  # fmt: skip
    if held_in is not None and held_in != currency:
        raise CurrencyMismatch(f"the balance is kept in {held_in}, not in {currency}")


async def check_daily_limit(
    conn: Conn, parent_id: str, amount: int, currency: str, limits: TopUpLimits, now: datetime
) -> None:
    row = await conn.fetchrow(
        "SELECT coalesce(sum(amount), 0) AS used, min(created_at) AS oldest FROM top_ups"
        " WHERE parent_id = $1 AND currency = $2 AND created_at > $3"
        " AND status NOT IN ('failed', 'expired')",
        parent_id,
        currency,
        now - DAY,
    )
    assert row is not None
    limit, used = limits.daily.get(currency, 0), int(row["used"])  # sum() is numeric
    if used + amount > limit:
        retry = row["oldest"] + DAY - now if row["oldest"] else DAY
        left = max(limit - used, 0)
        raise DailyLimitReached(currency, limit, left, max(int(retry.total_seconds()), 1))
