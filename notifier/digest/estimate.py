"""What a typical weekly digest costs, measured with the real builder (not a constant).

A typical week: seven subjects, about twenty marks, one criteria-based score; subject names
in the language of the SMS. The Notification Manager shows its price, the low-balance notice
compares the balance with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Final

from gateways.sms.segments import count_parts
from notifier.digest.budget import DEFAULT_MAX_PARTS, fit_digest
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek
from notifier.sms.texts import Language

_MONDAY: Final = date(2026, 11, 23)
SUBJECTS: Final[dict[Language, tuple[str, ...]]] = {
    "ru": ("Математика", "Русский язык", "Казахский язык", "История Казахстана", "Физика",
           "Английский язык", "Литература"),
    "kk": ("Математика", "Қазақ тілі", "Орыс тілі", "Қазақстан тарихы", "Физика",
           "Ағылшын тілі", "Әдебиет"),
    "ky": ("Математика", "Кыргыз тили", "Орус тили", "Кыргызстан тарыхы", "Физика",
           "Англис тили", "Адабият"),
}  # fmt: skip
_MARKS: Final = ((5, 4, 5, 4), (4, 5, 3), (5, 5), (4, 5, 4), (4,), (5, 4, 5), (5, 4))


def typical_week(first_name: str, language: Language) -> PupilWeek:
    subjects = [
        SubjectWeek(name, tuple(Grade(_MONDAY + timedelta(days=i), "lesson", mark=m)
                                for i, m in enumerate(marks)))
        for name, marks in zip(SUBJECTS[language], _MARKS, strict=True)
    ]  # fmt: skip
    physics = Grade(_MONDAY + timedelta(days=3), "lesson", points=17, max_points=20)
    subjects[4] = SubjectWeek(subjects[4].subject, (*subjects[4].grades, physics))
    return PupilWeek(first_name, _MONDAY, _MONDAY + timedelta(days=6), tuple(subjects))


def typical_digest(
    first_name: str, language: Language, *, latin: bool, max_parts: int = DEFAULT_MAX_PARTS
) -> str:
    """A typical week's digest for this child, as the SMS would read."""
    return fit_digest(
        typical_week(first_name, language), language, latin=latin, max_parts=max_parts
    )


@cache  # pure: the builder runs once per argument set, when first asked, never at import
def typical_digest_parts(
    language: Language = "ru", *, latin: bool = False, max_parts: int = DEFAULT_MAX_PARTS
) -> int:
    """SMS parts of a typical weekly digest (a common first name): what a week usually costs."""
    return count_parts(typical_digest("Айгерим", language, latin=latin, max_parts=max_parts)).parts
