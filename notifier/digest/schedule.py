"""When a school's weekly digest is due: a weekday and a time in the school's own zone.

Pure: "now" is an argument. Weeks are ISO weeks ("2026-W48", Monday to Sunday) of the
school's local calendar. Only the current local week is ever due on its own: a week missed
while the service was down past Sunday midnight is left to ops (``notifier digest``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from notifier.digest import DigestError

DEFAULT_WEEKDAY: Final = 5  # Friday (ISO: Monday = 1)
DEFAULT_TIME: Final = time(18, 0)
_WEEK: Final = re.compile(r"^(\d{4})-W(\d{2})$")


class BadWeek(DigestError, ValueError):
    """Not an ISO week like "2026-W48"."""


@dataclass(frozen=True)
class SchoolSchedule:
    school_id: str
    zone: ZoneInfo
    weekday: int = DEFAULT_WEEKDAY
    at: time = DEFAULT_TIME


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(label: str) -> date:
    """The Monday of an ISO week label; BadWeek when there is no such week."""
    match = _WEEK.match(label)
    if match is None:
        raise BadWeek(f"not an ISO week (like 2026-W48): {label!r}")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise BadWeek(f"no such ISO week: {label!r}") from exc
    return monday


def week_days(label: str) -> tuple[date, date]:
    """Monday and Sunday of the week."""
    monday = week_monday(label)
    return monday, monday + timedelta(days=6)


def send_instant(label: str, schedule: SchoolSchedule) -> datetime:
    """The UTC instant the school's digest of that week is due."""
    day = week_monday(label) + timedelta(days=schedule.weekday - 1)
    return datetime.combine(day, schedule.at, tzinfo=schedule.zone).astimezone(UTC)


def due_week(now: datetime, schedule: SchoolSchedule) -> str | None:
    """The week whose digest is due at ``now`` for this school, or None (not yet this week)."""
    label = iso_week(now.astimezone(schedule.zone).date())
    return label if now >= send_instant(label, schedule) else None
