"""The fixture week of the digest tests: 23-29 November 2026 (ISO week 2026-W48)."""

from __future__ import annotations

from datetime import date

from notifier.digest.compose import Grade, PupilWeek, SubjectWeek

MON, SUN = date(2026, 11, 23), date(2026, 11, 29)


def day(n: int) -> date:
    return date(2026, 11, n)


def fixture_week(history: str, language: str, name: str = "Айгерим") -> PupilWeek:
    """Lesson marks, a quarter final, a criteria-based score; subjects named in ``language``
    of instruction (``history`` is that language's History of the country)."""
    return PupilWeek(
        name,
        MON,
        SUN,
        (
            SubjectWeek(history, (Grade(day(23), "lesson", mark=4),
                                  Grade(day(27), "quarter", period=2, mark=5))),
            SubjectWeek("Математика", (Grade(day(23), "lesson", mark=5),
                                       Grade(day(25), "lesson", mark=4),
                                       Grade(day(27), "lesson", mark=5))),
            SubjectWeek(language, (Grade(day(24), "lesson", mark=3),
                                   Grade(day(26), "lesson", mark=4))),
            SubjectWeek("Физика", (Grade(day(24), "lesson", points=12, max_points=15),)),
        ),
    )  # fmt: skip
