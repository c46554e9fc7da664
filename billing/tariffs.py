"""What an SMS costs: parts x the price per part in force, in minor units."""

from __future__ import annotations

from datetime import datetime

from billing.errors import NoTariff
from billing.types import Conn


def price(parts: int, per_part: int) -> int:
    return parts * per_part


async def price_per_part(
    conn: Conn, currency: str, at: datetime, country: str | None = None
) -> int:
    """The tariff in force at `at`; a destination-specific tariff wins over the general one."""
    value = await conn.fetchval(
        "SELECT price_per_part FROM tariffs WHERE currency = $1"
        " AND (country = $2 OR country IS NULL) AND effective_from <= $3"
        " ORDER BY country IS NULL, effective_from DESC LIMIT 1",
        currency,
        country,
        at,
    )
    if value is None:
        raise NoTariff(f"no SMS tariff in force for {currency} ({country or 'any country'})")
    return int(value)
