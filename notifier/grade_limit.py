"""The parent's daily limit of bundled instant grade alerts (`grade_alerts_per_day` on the
subscription): how many bundles a child brought on its local day, and marks that would go
beyond the limit moved to the next day's first bundle, in the school's sending window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from billing.types import Conn
from notifier.outbox.window import not_before_by_subscription

_SENT_ON = """
SELECT m.subscription_id, count(DISTINCT m.notification_id) AS sent
  FROM grade_alert_marks m JOIN notifications n ON n.id = m.notification_id
 WHERE (m.subscription_id, m.told_on) IN (SELECT * FROM unnest($1::bigint[], $2::date[]))
   AND n.status IN ('queued', 'sending', 'sent')
 GROUP BY m.subscription_id
"""


def local_day(time_zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


async def sent_on(conn: Conn, days: dict[int, date]) -> dict[int, int]:
    """Bundles queued or sent per subscription on its given day (withdrawn ones do not count)."""
    rows = await conn.fetch(_SENT_ON, list(days), list(days.values()))
    return {r["subscription_id"]: r["sent"] for r in rows}


async def wait_for_tomorrow(
    conn: Conn, zones: dict[int, str], now: datetime, window: tuple[time, time] | None
) -> None:
    """The waiting marks of each subscription (its pupil's zone) wait for the next local day,
    and for the sending window to open on it."""
    for sub_id, time_zone in zones.items():
        zone = ZoneInfo(time_zone)
        at = datetime.combine(local_day(time_zone, now) + timedelta(days=1), time(0), zone)
        at = at.astimezone(UTC)
        if window is not None:
            opens = await not_before_by_subscription(conn, [sub_id], at, window)
            at = opens.get(sub_id) or at
        await conn.execute(
            "UPDATE grade_alert_marks SET due_at = $2"
            " WHERE subscription_id = $1 AND notification_id IS NULL",
            sub_id,
            at,
        )
