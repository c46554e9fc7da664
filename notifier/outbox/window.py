"""The sending window: paid SMS reach parents only in the daytime of their school's zone.

``next_send_time`` is pure (the clock's "now" comes in as an argument); the loader reads
every school's zone and window in one query, for a whole batch of recipients.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import asyncpg

from billing.types import Conn
from notifier.zones import zone as load_zone

DEFAULT_WINDOW: Final = (time(9, 0), time(20, 0))
# A school the roster has not given a zone yet is in its country's main zone.
COUNTRY_ZONES: Final = {"KZ": "Asia/Almaty", "KG": "Asia/Bishkek"}


@dataclass(frozen=True)
class SendWindow:
    zone: ZoneInfo
    window: tuple[time, time]

    def next_send_time(self, now: datetime) -> datetime | None:
        return next_send_time(now, self.zone, self.window)


def next_send_time(now: datetime, zone: ZoneInfo, window: tuple[time, time]) -> datetime | None:
    """None when ``now`` is inside the window (send now), else the instant it next opens (UTC).

    The window is [start, end) in local wall-clock time; a start later than the end spans
    midnight (22:00-06:00), and equal ends mean "any time".
    """
    start, end = window
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    if start == end or _inside(at, start, end):
        return None
    day = local.date() if at < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=zone).astimezone(UTC)


def _inside(at: time, start: time, end: time) -> bool:
    if start < end:
        return start <= at < end
    return at >= start or at < end


_SELECT = (
    "SELECT {key} AS key, s.country, s.time_zone, d.window_start, d.window_end FROM schools s"
    " LEFT JOIN digest_settings d ON d.school_id = s.id"
)


async def load_send_windows(conn: Conn, school_ids: Iterable[str]) -> dict[str, SendWindow]:
    """Each school's zone and window (defaults where it set none), in one query."""
    rows = await conn.fetch(
        _SELECT.format(key="s.id") + " WHERE s.id = ANY($1::text[])", sorted(set(school_ids))
    )
    return {r["key"]: _window(r) for r in rows}


async def not_before_by_subscription(
    conn: Conn,
    subscription_ids: Iterable[int],
    now: datetime,
    default: tuple[time, time] = DEFAULT_WINDOW,
) -> dict[int, datetime | None]:
    """For each subscription, when its school's window next opens (None: it is open now);
    one query for a whole batch. `default` is the window of schools that set none. A
    subscription with no pupil is not in the result."""
    rows = await conn.fetch(
        _SELECT.format(key="sub.id") + " JOIN pupils p ON p.school_id = s.id"
        " JOIN subscriptions sub ON sub.pupil_id = p.id WHERE sub.id = ANY($1::bigint[])",
        sorted(set(subscription_ids)),
    )
    return {r["key"]: _window(r, default).next_send_time(now) for r in rows}


def parse_window(text: str) -> tuple[time, time]:
    """ "09:00-20:00" -> (09:00, 20:00); equal ends ("00:00-00:00") mean any time."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"a window is HH:MM-HH:MM, not {text!r}")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def _window(r: asyncpg.Record, default: tuple[time, time] = DEFAULT_WINDOW) -> SendWindow:
    return SendWindow(
        load_zone(r["time_zone"] or COUNTRY_ZONES[r["country"]]),
        (r["window_start"], r["window_end"]) if r["window_start"] else default,
    )
