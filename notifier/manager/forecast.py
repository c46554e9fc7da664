"""What a parent's SMS will cost this month, from what they subscribed to (pure).

Per subscription and type: how many SMS a month brings, times the parts of one such SMS,
times the tariff. How many: the weekly digest once a week (days in the month / 7, rounded);
homework alerts at the class's rate of the last four weeks; instant grade alerts at the
class's bundles per pupil of the last four weeks, each child's day counted up to the parent's
daily limit (notifier/manager/forecast_grades.py); announcements at the school's rate of the
last four weeks (every announcement of the school counts: an upper bound for class-only
ones). Each rate is scaled from 28 days to the month's length and rounded half up.

Both prices: Latin letters change the weekly digest and the instant grade SMS (the SMS sent
in Latin when a parent chooses it); homework and announcements cost the same in both columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from notifier.notification_types import DIGEST, NOTIFICATION_TYPES, NotificationType

WINDOW_DAYS = 28  # the rates are counted over the last four weeks


@dataclass(frozen=True)
class ChildPlan:
    """One subscription's paid SMS: what it receives and what each SMS is made of."""

    pupil_id: str
    types: tuple[NotificationType, ...]
    digest_parts: tuple[int, int]  # one weekly digest, (Cyrillic, Latin), from recent weeks
    parts: Mapping[NotificationType, tuple[int, int]]  # one SMS of each other type, ditto
    per_window: Mapping[NotificationType, Fraction]  # SMS of each other type in 28 days


@dataclass(frozen=True)
class ForecastLine:
    pupil_id: str
    type: NotificationType
    sms: int  # expected this month
    parts_cyrillic: int  # of one such SMS
    parts_latin: int
    cost_cyrillic: int  # minor units, for the month
    cost_latin: int


@dataclass(frozen=True)
class Forecast:
    lines: tuple[ForecastLine, ...]  # each child's digest priced apart
    # (Cyrillic, Latin): what one weekly SMS per phone takes off, when the parent keeps it on
    per_phone_saving: tuple[int, int] = (0, 0)

    @property
    def cyrillic(self) -> int:
        return sum(line.cost_cyrillic for line in self.lines) - self.per_phone_saving[0]

    @property
    def latin(self) -> int:
        return sum(line.cost_latin for line in self.lines) - self.per_phone_saving[1]


def forecast_month(plans: Sequence[ChildPlan], per_part: int, days_in_month: int) -> Forecast:
    """The month's cost of every subscribed type of every plan, at `per_part` a part."""
    lines = [
        _line(plan, kind, per_part, days_in_month)
        for plan in plans
        for kind in NOTIFICATION_TYPES  # the page's order
        if kind in plan.types
    ]
    return Forecast(tuple(lines))


def _line(plan: ChildPlan, kind: NotificationType, per_part: int, days: int) -> ForecastLine:
    if kind == DIGEST:
        count = _round(Fraction(days, 7))
        cyrillic, latin = plan.digest_parts
    else:
        count = _round(plan.per_window.get(kind, Fraction(0)) * days / WINDOW_DAYS)
        cyrillic, latin = plan.parts.get(kind, (1, 1))
    return ForecastLine(plan.pupil_id, kind, count, cyrillic, latin,
                        count * cyrillic * per_part, count * latin * per_part)  # fmt: skip


def _round(value: Fraction) -> int:
    """Half up: 2.5 SMS a month is forecast as 3, never as the banker's 2."""
    return int(value + Fraction(1, 2))
