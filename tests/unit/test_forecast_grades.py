"""Instant grade SMS in the month's forecast are bundles, not marks: marks posted together
come as one SMS, and a day brings no more than the parent's daily limit (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from notifier.manager.forecast import ChildPlan, forecast_month
from notifier.manager.forecast_grades import PostedMark, bundles_per_pupil, bundles_sent_at

GRACE = timedelta(minutes=10)
ALMATY = "Asia/Almaty"  # UTC+5


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` in Almaty on `day` November 2026."""
    return datetime(2026, 11, day, hour - 5, minute, tzinfo=UTC)


def test_marks_posted_within_the_grace_period_go_out_as_one_sms() -> None:
    lesson = [_at(2, 9), _at(2, 9, 5), _at(2, 9, 9)]
    assert bundles_sent_at(lesson, GRACE) == [_at(2, 9, 19)]  # ten minutes after the last
    assert bundles_sent_at([*lesson, _at(2, 11)], GRACE) == [_at(2, 9, 19), _at(2, 11, 10)]


def test_a_teacher_who_keeps_posting_does_not_hold_the_news_for_ever() -> None:
    every_five_minutes = [_at(2, 9, m) for m in range(0, 45, 5)]  # 09:00 … 09:40
    # the oldest mark waits at most twice the grace: out at 09:20, 09:40, then 09:50
    assert bundles_sent_at(every_five_minutes, GRACE) == [_at(2, 9, 20), _at(2, 9, 40),
                                                           _at(2, 9, 50)]  # fmt: skip


def _aidas_month() -> list[PostedMark]:
    """Аида's marks of four weeks: on 8 days one lesson's two marks, on 2 days four lessons
    hours apart. Бек, her classmate, got none."""
    marks = []
    for day in (2, 3, 4, 5, 6, 9, 10, 11):
        marks += [PostedMark("p-aida", _at(day, 9, 10)), PostedMark("p-aida", _at(day, 9, 15))]
    for day in (12, 13):
        marks += [PostedMark("p-aida", _at(day, hour, 10)) for hour in (9, 11, 13, 15)]
    return marks


def test_each_day_counts_its_bundles_up_to_the_daily_limit() -> None:
    def per_pupil(limit: int) -> Fraction:
        return bundles_per_pupil(_aidas_month(), 2, grace=GRACE, limit=limit, time_zone=ALMATY)

    # 28 marks, but 8 one-SMS days and 2 days of 4 SMS: 16 SMS; the class has 2 pupils
    assert per_pupil(10) == Fraction(16, 2)
    assert per_pupil(3) == Fraction(8 + 3 + 3, 2)  # the default limit: 3 a day
    assert per_pupil(1) == Fraction(10, 2)  # one SMS a day: one per day with marks


def test_a_mark_late_at_night_counts_on_the_day_its_sms_leaves() -> None:
    late = [PostedMark("p-aida", _at(2, 23, 55)), PostedMark("p-aida", _at(3, 9))]
    # 23:55 leaves at 00:05 on the 3rd: two SMS on the 3rd, one with a limit of 1
    assert bundles_per_pupil(late, 1, grace=GRACE, limit=1, time_zone=ALMATY) == 1


def test_the_month_s_price_of_grade_sms_in_cyrillic_and_latin() -> None:
    rate = bundles_per_pupil(_aidas_month(), 2, grace=GRACE, limit=3, time_zone=ALMATY)
    plan = ChildPlan("p-aida", ("grade_instant",), (3, 2), {"grade_instant": (2, 1)},
                     {"grade_instant": rate})  # fmt: skip
    month = forecast_month([plan], 20_00, days_in_month=30)
    # 7 SMS in 28 days -> 7.5 in 30 -> 8 SMS: 8 × 2 parts × 20.00 KZT, or 8 × 1 part in Latin
    assert month.lines[0].sms == 8
    assert (month.cyrillic, month.latin) == (320_00, 160_00)
