"""A parent's monthly spending cap, checked where the money is held (enqueue_paid).

Month-to-date spend is what the parent's SMS of this month cost them: the holds placed on
their wallet since the month began (in the parent's time zone) that are still open or were
captured and not refunded. A hold released (never sent, withdrawn, expired) or refunded
(undelivered) does not count; free house SMS never have a hold, so they never count. A hold
counts in the month it was placed, even if it is captured after midnight on the 1st.

The month is the parent's: the time zone of their child's school (pupils.time_zone,
Asia/Almaty, Asia/Bishkek...), else that of the wallet's country, from the shipped tzdata
(notifier/zones.py), never the database's.

One statement per batch, two more when a parent in it has a cap, whatever its size; run
after lock_wallets, so a second batch on the same wallet waits for the first to commit and
then sees its holds: two batches can never both pass the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from billing.ledger import Balance
from billing.money import COUNTRY_CURRENCY
from billing.types import Conn
from notifier.outbox.window import COUNTRY_ZONES
from notifier.zones import UnknownZone, zone

# A wallet with no child's school to ask: the main zone of its currency's country.
CURRENCY_ZONE = {COUNTRY_CURRENCY[country]: z for country, z in COUNTRY_ZONES.items()}


@dataclass(frozen=True)
class Cap:
    cap: int  # minor units of the wallet's currency
    spent: int  # month to date, when the wallet was locked
    currency: str
    time_zone: str

    @property
    def left(self) -> int:
        return max(0, self.cap - self.spent)


def parent_zone(school_zone: str | None, currency: str) -> str:
    """The zone the parent's month follows: their child's school's, if the shipped tzdata
    knows it (a bad roster value must never stop a batch), else their wallet's country's."""
    if school_zone:
        try:
            zone(school_zone)
            return school_zone
        except UnknownZone:
            pass
    return CURRENCY_ZONE.get(currency, "UTC")


def month_start(now: datetime, time_zone: str) -> datetime:
    """The instant the month containing `now` began in `time_zone`, in UTC."""
    local = now.astimezone(zone(time_zone))
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0, fold=0)
    return first.astimezone(UTC)


def month_of(now: datetime, time_zone: str) -> date:
    """The first day of the month containing `now` in `time_zone`: the notice's key."""
    return now.astimezone(zone(time_zone)).date().replace(day=1)


_CAPS = """
SELECT parent_id, monthly_cap, currency FROM spending_caps
 WHERE parent_id = ANY($1::text[]) AND monthly_cap IS NOT NULL
"""
# One child's school's zone per parent, the same child every time (the (parent, pupil) index).
_ZONES = """
SELECT DISTINCT ON (s.parent_id) s.parent_id, p.time_zone
  FROM subscriptions s JOIN pupils p ON p.id = s.pupil_id
 WHERE s.parent_id = ANY($1::text[])
 ORDER BY s.parent_id, s.pupil_id
"""


# Holds since each month start, less released and refunded ones (see the module docstring),
# and less `$3`: the holds of the batch being priced (written before its wallets are locked).
SPEND = """
SELECT x.account_id, coalesce(sum(h.amount), 0)::bigint AS spent
  FROM unnest($1::bigint[], $2::timestamptz[]) AS x(account_id, since)
  LEFT JOIN ledger_holds h ON h.account_id = x.account_id AND h.created_at >= x.since
       AND h.status <> 'released' AND h.id <> ALL ($3::bigint[])
       AND NOT EXISTS (SELECT 1 FROM ledger_transactions t
                        WHERE t.kind = 'sms_refund' AND t.reference = 'hold:' || h.id)
 GROUP BY x.account_id
"""


async def school_zones(conn: Conn, parents: Mapping[str, str]) -> dict[str, str]:
    """The zone each parent's month follows ({parent: wallet currency} in, parent_zone out)."""
    rows = await conn.fetch(_ZONES, list(parents))
    found = {r["parent_id"]: r["time_zone"] for r in rows}
    return {p: parent_zone(found.get(p), currency) for p, currency in parents.items()}


async def caps_of(
    conn: Conn, wallets: Mapping[str, Balance], now: datetime, excluding: Sequence[int] = ()
) -> dict[str, Cap]:
    """The cap and month-to-date spend of every wallet in `wallets` that has a cap in its
    currency, not counting the holds `excluding` (the batch's own). Call with the wallets
    locked (billing.batch_holds.lock_wallets) for a spend that holds."""
    if not wallets:
        return {}
    rows = await conn.fetch(_CAPS, list(wallets))
    capped = {
        r["parent_id"]: r["monthly_cap"]
        for r in rows
        if r["currency"] == wallets[r["parent_id"]].currency
    }
    if not capped:
        return {}
    zones = await school_zones(conn, {o: wallets[o].currency for o in capped})
    owners = list(capped)
    ids = [wallets[o].account_id for o in owners]
    starts = [month_start(now, zones[o]) for o in owners]
    spent = {
        r["account_id"]: r["spent"] for r in await conn.fetch(SPEND, ids, starts, list(excluding))
    }
    return {
        o: Cap(capped[o], spent.get(wallets[o].account_id, 0), wallets[o].currency, zones[o])
        for o in owners
    }
