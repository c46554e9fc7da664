"""The text of a weekly digest, in Russian, Kazakh and Kyrgyz (pure; no I/O).

Per subject, in the order given: the week's per-lesson marks in date order (a
criteria-based score as points/max), the average of the week's numeric per-lesson marks to
one decimal when there are two or more, then final attestation marks (quarter, half-year,
year) labelled and exactly as the diary sent them. A score with points is shown as a score
and is not averaged, even when it also carries a mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, NamedTuple

from notifier.digest.subjects import abbreviate
from notifier.sms.texts import Language

# One row per phrase, the three languages side by side.
WORDS: Final[dict[str, dict[Language, str]]] = {
    "head": {"ru": "{name}, оценки {dates}: ", "kk": "{name}, {dates} бағалары: ",
             "ky": "{name}, {dates} баалары: "},
    "empty": {"ru": "{name}: за {dates} новых оценок нет.", "kk": "{name}: {dates} жаңа баға жоқ.",
              "ky": "{name}: {dates} жаңы баа жок."},
    "average": {"ru": "ср. {value}", "kk": "орт. {value}", "ky": "орт. {value}"},
    "quarter": {"ru": "{n} четв.: {value}", "kk": "{n}-тоқсан: {value}",
                "ky": "{n}-чейрек: {value}"},
    "half_year": {"ru": "{n} полуг.: {value}", "kk": "{n}-жартыжыл: {value}",
                  "ky": "{n}-жарым жыл: {value}"},
    "year": {"ru": "год: {value}", "kk": "жылдық: {value}", "ky": "жылдык: {value}"},
}  # fmt: skip
FINALS: Final = ("quarter", "half_year", "year")


class Grade(NamedTuple):  # a tuple: tens of thousands are built per digest batch
    lesson_date: date
    assessment: str  # lesson | quarter | half_year | year
    period: int | None = None
    mark: int | None = None
    points: int | None = None
    max_points: int | None = None

    def shown(self) -> str:
        if self.points is not None and (self.assessment == "lesson" or self.mark is None):
            return f"{self.points}/{self.max_points}"
        return str(self.mark)


@dataclass(slots=True)
class SubjectWeek:
    """A subject's week. Not frozen, though never changed: a frozen dataclass sets each field
    through object.__setattr__, and a Friday builds seven of these for each of a million
    pupils."""

    subject: str
    grades: tuple[Grade, ...]  # in date order

    lessons: tuple[Grade, ...] = field(init=False, repr=False, compare=False)
    average: Decimal | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:  # computed once: the budget asks for them many times
        self.lessons = lessons = tuple([g for g in self.grades if g.assessment == "lesson"])
        self.average = _average(lessons)


def _average(lessons: tuple[Grade, ...]) -> Decimal | None:
    """Of the numeric per-lesson marks, half up to one decimal, in integers."""
    marks = [g.mark for g in lessons if g.mark is not None and g.points is None]
    if len(marks) < 2:
        return None
    tenths = (20 * sum(marks) + len(marks)) // (2 * len(marks))  # round(10 * sum / n)
    return Decimal(f"{tenths // 10}.{tenths % 10}")


@dataclass(frozen=True)
class PupilWeek:
    first_name: str
    first_day: date
    last_day: date
    subjects: tuple[SubjectWeek, ...]


@dataclass(frozen=True)
class Detail:
    """How much of the week to show: the budget's knobs."""

    short_names: bool = False
    without_marks: int = 0  # the last N subjects that have an average show only the average
    subjects: int | None = None  # show only the first N subjects, then "+rest"


def dates(first: date, last: date) -> str:
    if (first.month, first.year) == (last.month, last.year):
        return f"{first:%d}-{last:%d.%m}"
    return f"{first:%d.%m}-{last:%d.%m}"


def empty_week(week: PupilWeek, lang: Language) -> str:
    return WORDS["empty"][lang].format(name=_clean(week.first_name), dates=_dates(week))


SubjectTexts = dict[tuple[str, int, bool], str]


def digest_text(
    week: PupilWeek, lang: Language, detail: Detail = Detail(), memo: SubjectTexts | None = None
) -> str:
    """`memo` keeps the pieces (header, subject names, marks) across the budget's tries for
    the same week and language: each try asks for the same pieces with less detail."""
    memo = {} if memo is None else memo
    shown = week.subjects[: detail.subjects]
    averaged = [i for i, s in enumerate(shown) if s.average is not None]
    bare = set(averaged[len(averaged) - detail.without_marks :]) if detail.without_marks else ()
    short = detail.short_names
    parts = []
    for i, s in enumerate(shown):  # the pieces looked up inline: ~7 subjects x 2-3 tries a week
        without = i in bare
        name = memo.get(key := ("name", i, short))
        if name is None:
            name = memo[key] = _name(s, short)
        body = memo.get(key := ("body", i, without))
        if body is None:
            body = memo[key] = _body(s, lang, without)
        parts.append(name + " " + body)
    rest = len(week.subjects) - len(shown)
    if rest:
        parts.append(f"+{rest}")
    head = memo.get(key := ("head", 0, False))
    if head is None:
        head = memo[key] = _head(week, lang)
    return head + "; ".join(parts)


def _head(week: PupilWeek, lang: Language) -> str:
    return WORDS["head"][lang].format(name=_clean(week.first_name), dates=_dates(week))


def _clean(value: str) -> str:
    # Runs of spaces and line breaks are paid for but carry nothing.
    return " ".join(value.split())


def _dates(week: PupilWeek) -> str:
    return dates(week.first_day, week.last_day)


def _name(s: SubjectWeek, short: bool) -> str:
    return abbreviate(s.subject) if short else _clean(s.subject)


def _body(s: SubjectWeek, lang: Language, bare: bool) -> str:
    average = s.average
    avg = WORDS["average"][lang].format(value=str(average).replace(".", ",")) if average else ""
    marks = " ".join(g.shown() for g in s.lessons)
    lesson_part = f"{marks} ({avg})" if avg and not bare else avg or marks
    finals = [
        WORDS[g.assessment][lang].format(n=g.period, value=g.shown())
        for g in s.grades
        if g.assessment in FINALS
    ]
    return ", ".join(p for p in (lesson_part, *finals) if p)
