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


class WeekNotDue(DigestError, ValueError):
    """The week's digest is not due yet: run now, it would be closed before its marks are in."""

    def __init__(self, label: str, due: datetime, zone: ZoneInfo) -> None:
        local = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        super().__init__(f"week {label} is not due yet: its digest goes out from {local} ({zone})")
        self.week, self.due = label, due


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


def refuse_early(label: str, schedule: SchoolSchedule, now: datetime) -> None:
    """WeekNotDue before the week's send instant: the earliest a run may close a week is the
    moment the scheduler would, so a later mark of that week is never left out by a run."""
    due = send_instant(label, schedule)
    if now < due:
        raise WeekNotDue(label, due, schedule.zone)


def due_week(now: datetime, schedule: SchoolSchedule) -> str | None:
    """The week whose digest is due at ``now`` for this school, or None (not yet this week)."""
    label = iso_week(now.astimezone(schedule.zone).date())
    return label if now >= send_instant(label, schedule) else None
