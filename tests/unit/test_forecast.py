"""The month's forecast a parent sees next to their cap: counts from the class's recent
rates, parts from real texts, both the Cyrillic and the Latin price (pure)."""

from __future__ import annotations

from fractions import Fraction

from notifier.manager.forecast import ChildPlan, forecast_month

PER_PART = 20_00  # 20.00 KZT


def _plan(*types: str, digest: tuple[int, int] = (3, 2)) -> ChildPlan:
    return ChildPlan(
        pupil_id="p-aida",
        types=types,  # type: ignore[arg-type]
        digest_parts=digest,
        parts={"homework": (2, 2), "announcements": (1, 1), "grade_instant": (2, 1)},
        per_window={"homework": Fraction(12), "announcements": Fraction(2),
                    "grade_instant": Fraction(45, 2)},
    )  # fmt: skip


def test_a_weekly_digest_costs_four_a_month_and_less_in_latin() -> None:
    month = forecast_month([_plan("weekly_grades")], PER_PART, days_in_month=30)
    assert [(line.sms, line.cost_cyrillic, line.cost_latin) for line in month.lines] == [
        (4, 4 * 3 * 20_00, 4 * 2 * 20_00)
    ]
    assert (month.cyrillic, month.latin) == (240_00, 160_00)


def test_rates_of_four_weeks_are_scaled_to_the_months_length() -> None:
    month = forecast_month([_plan("homework", "announcements")], PER_PART, days_in_month=31)
    # 12 homework in 28 days -> 13.3 in 31 -> 13 SMS of 2 parts; 2 announcements -> 2.2 -> 2
    assert [(line.type, line.sms) for line in month.lines] == [
        ("homework", 13), ("announcements", 2)
    ]  # fmt: skip
    assert month.cyrillic == month.latin == (13 * 2 + 2) * 20_00


def test_half_an_sms_is_forecast_up_and_grade_sms_cost_less_in_latin() -> None:
    # 22.5 grade SMS per pupil in 28 days is 22.5 in February (28 days): forecast as 23
    month = forecast_month([_plan("grade_instant")], PER_PART, days_in_month=28)
    assert month.lines[0].sms == 23
    assert (month.cyrillic, month.latin) == (23 * 2 * 20_00, 23 * 1 * 20_00)


def test_two_children_add_up_and_nothing_subscribed_costs_nothing() -> None:
    both = forecast_month([_plan("weekly_grades"), _plan("weekly_grades", digest=(2, 1))],
                          PER_PART, days_in_month=30)  # fmt: skip
    assert (both.cyrillic, both.latin) == ((12 + 8) * 20_00, (8 + 4) * 20_00)
    assert forecast_month([], PER_PART, 30).cyrillic == 0
