"""Instant grade alerts in the parent's language: "<Name>: <subject> <grade> (<date>)", final
attestation marks labelled as such, and the short correction sent when a grade the parent was
already told about is changed or deleted. Templates: notifier/sms/texts.py (TEXTS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from gateways.sms.segments import fits, truncate_to_parts
from notifier.sms.texts import ELLIPSIS, TEXTS, Language, clean

GradeNews = Literal["grade_posted", "grade_changed", "grade_deleted"]
LESSON: Final = "{subject} {grade} ({date})"
POSTED: Final = "{name}: {what}"
# Final attestation periods, the three languages side by side.
PERIODS: Final[dict[str, dict[Language, str]]] = {
    "quarter": {"ru": "{n} четверть", "kk": "{n}-тоқсан", "ky": "{n}-чейрек"},
    "half_year": {"ru": "{n} полугодие", "kk": "{n}-жартыжылдық", "ky": "{n}-жарым жыл"},
    "year": {"ru": "год", "kk": "жылдық", "ky": "жыл"},
}
_MAX_SUBJECT = 40  # a name and a subject of the diary's longest would cost a second part
_MAX_NAME = 30


@dataclass(frozen=True)
class GradeFacts:
    """What the alert says about one grade (the diary's grade, as stored)."""

    subject: str
    assessment: str  # lesson | quarter | half_year | year
    period: int | None
    mark: int | None
    points: int | None
    max_points: int | None
    day: date


def grade_value(g: GradeFacts) -> str:
    """Criteria-based points as "18/20" (the mark they convert to is secondary), else the mark."""
    if g.points is not None and g.max_points is not None:
        return f"{g.points}/{g.max_points}"
    return str(g.mark)


def grade_alert(lang: Language, news: GradeNews, name: str, g: GradeFacts) -> str:
    """The whole SMS; the name and subject are shortened so it stays short and cheap."""
    fields = {
        "subject": _short(g.subject, _MAX_SUBJECT),
        "grade": grade_value(g),
        "date": g.day.strftime("%d.%m"),
        "period": _period(lang, g),
    }
    lesson = g.assessment not in PERIODS
    what = (LESSON if lesson else TEXTS["grade_final"][lang]).format(**fields)
    head = POSTED if news == "grade_posted" else TEXTS[news][lang]
    message = head.format(name=_short(name, _MAX_NAME), what=what)
    return message if fits(message, 2) else truncate_to_parts(message, 2, ellipsis=ELLIPSIS)


def _period(lang: Language, g: GradeFacts) -> str:
    labels = PERIODS.get(g.assessment)
    return labels[lang].format(n=g.period) if labels else ""


def _short(value: str, limit: int) -> str:
    value = clean(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + ELLIPSIS
