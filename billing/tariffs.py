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


class Tariffs:
    """Every tariff in force at one instant, for pricing a whole batch without a query per
    SMS: the destination-specific price wins over the general one, as in price_per_part."""

    def __init__(self, rows: dict[tuple[str, str | None], int]) -> None:
        self._rows = rows

    def per_part(self, currency: str, country: str | None) -> int | None:
        found = self._rows.get((currency, country))
        return found if found is not None else self._rows.get((currency, None))


async def load_tariffs(conn: Conn, at: datetime) -> Tariffs:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (currency, country) currency, country, price_per_part FROM tariffs"
        " WHERE effective_from <= $1 ORDER BY currency, country, effective_from DESC",
        at,
    )
    return Tariffs({(r["currency"], r["country"]): int(r["price_per_part"]) for r in rows})
