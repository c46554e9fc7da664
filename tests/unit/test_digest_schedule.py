"""Digests fall due at the school's local instant; paid SMS wait for the morning window."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from notifier.digest.schedule import (
    BadWeek,
    SchoolSchedule,
    due_week,
    iso_week,
    send_instant,
    week_days,
)
from notifier.outbox.window import DEFAULT_WINDOW, next_send_time
from notifier.zones import UnknownZone, tzdata_version, zone
from tests.support import MovableClock

ALMATY, BISHKEK = zone("Asia/Almaty"), zone("Asia/Bishkek")


def test_the_shipped_tzdata_has_almaty_at_utc_plus_5() -> None:
    assert datetime(2026, 11, 27, 18, tzinfo=ALMATY).utcoffset() == timedelta(hours=5)
    assert datetime(2026, 11, 27, 18, tzinfo=BISHKEK).utcoffset() == timedelta(hours=6)
    assert tzdata_version() >= "2024a"


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(UnknownZone):
        zone("Asia/Atlantis")
    with pytest.raises(UnknownZone):
        zone("../etc/passwd")


@pytest.mark.parametrize(
    ("tz", "fires_utc"),
    [(ALMATY, datetime(2026, 11, 27, 13, 0, tzinfo=UTC)),
     (BISHKEK, datetime(2026, 11, 27, 12, 0, tzinfo=UTC))],
)  # fmt: skip
def test_friday_18_local_fires_at_that_instant_in_each_zone(
    tz: object, fires_utc: datetime
) -> None:
    school = SchoolSchedule("s", tz)  # type: ignore[arg-type]
    clock = MovableClock(fires_utc - timedelta(seconds=1))
    assert due_week(clock.now(), school) is None
    clock.advance(timedelta(seconds=1))
    assert due_week(clock.now(), school) == "2026-W48"
    clock.advance(timedelta(days=2, hours=5, minutes=59))  # Sunday 23:59 local, still due
    assert due_week(clock.now(), school) == "2026-W48"
    clock.advance(timedelta(minutes=1))  # Monday 00:00 local: the new week is not due yet
    assert due_week(clock.now(), school) is None


def test_a_school_sets_its_own_day_and_time() -> None:
    school = SchoolSchedule("s", BISHKEK, weekday=6, at=time(10, 30))
    assert send_instant("2026-W48", school) == datetime(2026, 11, 28, 4, 30, tzinfo=UTC)


def test_weeks_are_iso_weeks_of_the_local_calendar() -> None:
    assert iso_week(datetime(2026, 11, 29, 20, tzinfo=UTC).astimezone(ALMATY).date()) == "2026-W49"
    assert [d.isoformat() for d in week_days("2026-W53")] == ["2026-12-28", "2027-01-03"]
    with pytest.raises(BadWeek):
        week_days("2025-W53")  # 2025 has 52 ISO weeks
    with pytest.raises(BadWeek):
        week_days("2026-48")


def test_an_sms_due_at_night_is_held_back_until_the_morning() -> None:
    clock = MovableClock(datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # 21:30 in Almaty
    morning = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # 09:00 in Almaty
    assert next_send_time(clock.now(), ALMATY, DEFAULT_WINDOW) == morning
    clock.at = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 01:00 next day local
    assert next_send_time(clock.now(), ALMATY, DEFAULT_WINDOW) == morning
    clock.at = morning - timedelta(microseconds=1)
    assert next_send_time(clock.now(), ALMATY, DEFAULT_WINDOW) == morning
    clock.at = morning
    assert next_send_time(clock.now(), ALMATY, DEFAULT_WINDOW) is None  # released


def test_the_window_closes_at_its_end_and_can_span_midnight() -> None:
    evening = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 20:00 in Bishkek
    assert next_send_time(evening, BISHKEK, DEFAULT_WINDOW) == datetime(
        2026, 11, 28, 3, 0, tzinfo=UTC
    )
    assert next_send_time(evening - timedelta(seconds=1), BISHKEK, DEFAULT_WINDOW) is None
    night_shift = (time(22, 0), time(6, 0))
    assert next_send_time(evening, BISHKEK, night_shift) == datetime(
        2026, 11, 27, 16, 0, tzinfo=UTC
    )
    assert next_send_time(evening, BISHKEK, (time(0), time(0))) is None  # always open
