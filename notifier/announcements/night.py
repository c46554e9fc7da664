"""Urgent announcements skip the sending window, yet never wake a family at night."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def after_night(now: datetime, time_zone: str, start_hour: int, end_hour: int) -> datetime | None:
    """None when `now` is outside the local night [start_hour, end_hour) of `time_zone`, else
    the instant the night ends (local `end_hour`). start_hour == end_hour: no night at all."""
    if start_hour == end_hour:
        return None
    local = now.astimezone(ZoneInfo(time_zone))
    hour = local.hour
    at_night = (
        (start_hour <= hour or hour < end_hour)
        if start_hour > end_hour
        else (start_hour <= hour < end_hour)
    )
    if not at_night:
        return None
    morning = datetime.combine(local.date(), time(end_hour), tzinfo=local.tzinfo)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), time(end_hour), local.tzinfo)
    return morning
