"""A parent's monthly cap and what they spent this month, as the page and the API show it.

The cap itself is enforced where the money is held (notifier/outbox/caps.py); this module
only stores it and reads the month's figures with the same definitions.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from billing.errors import NoTariff
from billing.ledger import wallet_balance
from billing.tariffs import price_per_part
from billing.types import Conn
from notifier.manager.forecast import Forecast, forecast_month
from notifier.manager.forecast_inputs import child_plans
from notifier.manager.phone_digest import SharedPhone, month_costs, per_phone, phone_prices
from notifier.manager.wallet import CURRENCY_COUNTRY, parent_currency
from notifier.outbox.caps import SPEND, month_of, month_start, school_zones
from notifier.zones import zone


@dataclass(frozen=True)
class Spending:
    currency: str
    monthly_cap: int | None  # minor units; None: no cap
    spent: int  # minor units, this month so far
    month_start: datetime  # when this month began in `time_zone`
    time_zone: str
    cap_reached: bool  # the cap stopped an SMS this month (the parent was told)

    @property
    def left(self) -> int | None:
        return None if self.monthly_cap is None else max(0, self.monthly_cap - self.spent)


async def set_cap(conn: Conn, parent_id: str, cap: int | None, now: datetime) -> None:
    """Set (or with None, lift) the parent's monthly cap, in their wallet's currency."""
    currency = await parent_currency(conn, parent_id)
    await conn.execute(
        "INSERT INTO spending_caps (parent_id, monthly_cap, currency, updated_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (parent_id) DO UPDATE"
        " SET monthly_cap = $2, currency = $3, updated_at = $4",
        parent_id, cap, currency, now,
    )  # fmt: skip


async def spending(conn: Conn, parent_id: str, now: datetime) -> Spending:
    currency = await parent_currency(conn, parent_id)
    cap = await conn.fetchval(
        "SELECT monthly_cap FROM spending_caps WHERE parent_id = $1 AND currency = $2",
        parent_id,
        currency,
    )
    time_zone = (await school_zones(conn, {parent_id: currency}))[parent_id]
    since = month_start(now, time_zone)
    wallet = await wallet_balance(conn, parent_id)
    spent = 0
    if wallet is not None:
        spent = (await conn.fetchrow(SPEND, [wallet.account_id], [since], []) or [0, 0])[1]
    reached = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM cap_notices WHERE parent_id = $1 AND month = $2)",
        parent_id,
        month_of(now, time_zone),
    )
    return Spending(currency, cap, spent, since, time_zone, bool(reached))


async def month_forecast(
    conn: Conn, parent_id: str, now: datetime, found: Spending, *, sms_max_parts: int,
    digest_max_parts: int, grade_grace: timedelta,
) -> Forecast:  # fmt: skip
    """This month's forecast (notifier/manager/forecast.py) at the wallet's tariff."""
    plans = await child_plans(conn, parent_id, now, sms_max_parts=sms_max_parts,
                              digest_max_parts=digest_max_parts,
                              grade_grace=grade_grace, currency=found.currency)  # fmt: skip
    per_part, today, days = await _month(conn, now, found)
    month = forecast_month(plans, per_part, days)
    if not await per_phone(conn, parent_id):
        return month
    saving = []
    for latin in (False, True):
        phones = await phone_prices(conn, parent_id, today, max_parts=digest_max_parts,
                                    latin=latin)  # fmt: skip
        separate, one = month_costs(phones, per_part, days)
        saving.append(separate - one)
    return replace(month, per_phone_saving=(saving[0], saving[1]))


@dataclass(frozen=True)
class PerPhoneMonth:
    on: bool
    phones: list[SharedPhone]
    separate: int  # minor units: the month's digests, each child's own
    one_sms: int  # minor units: the same, one SMS per phone


async def per_phone_month(
    conn: Conn, parent_id: str, now: datetime, found: Spending, *, digest_max_parts: int
) -> PerPhoneMonth:
    """The option and the month's digests priced both ways (notifier/manager/phone_digest.py),
    as the subscriptions stand, at the wallet's tariff."""
    per_part, today, days = await _month(conn, now, found)
    phones = await phone_prices(conn, parent_id, today, max_parts=digest_max_parts)
    separate, one = month_costs(phones, per_part, days)
    return PerPhoneMonth(await per_phone(conn, parent_id), phones, separate, one)


async def _month(conn: Conn, now: datetime, found: Spending) -> tuple[int, date, int]:
    """The tariff per part, today's date and the month's days, in the parent's month."""
    try:
        country = CURRENCY_COUNTRY.get(found.currency)
        per_part = await price_per_part(conn, found.currency, now, country)
    except NoTariff:
        per_part = 0  # no tariff in force: nothing can be sent, nothing will cost
    local = now.astimezone(zone(found.time_zone))
    return per_part, local.date(), calendar.monthrange(local.year, local.month)[1]
