"""What parents read in announcements and instant grade alerts, and when urgent ones go."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from gateways.sms.segments import count_parts
from notifier.announcements.night import after_night
from notifier.errors import RejectedEvent
from notifier.handlers.announcements import rendered
from notifier.sms.grade_texts import GradeFacts, grade_alert
from notifier.sms.texts import LANGUAGES, Language, announcement
from schemas import AnnouncementPublished

LESSON = GradeFacts("Математика", "lesson", None, 5, None, None, date(2026, 11, 12))
YEAR = GradeFacts("Физика", "year", None, 4, None, None, date(2027, 5, 25))


_BASE = {
    "event_id": str(uuid.uuid4()), "occurred_at": "2026-11-10T12:00:00+05:00",
    "announcement_id": "a-1", "school_id": "s", "audience": {"scope": "school"},
    "title": "Собрание", "text": "В пятницу в 18:30.", "author_id": "u",
    "author_role": "school_admin",
}  # fmt: skip


def _event(**over: object) -> AnnouncementPublished:
    return AnnouncementPublished.model_validate(_BASE | over)


def test_announcement_joins_title_and_text_without_doubling_punctuation() -> None:
    assert announcement("Собрание", "В пятницу  в\n18:30.") == "Собрание. В пятницу в 18:30."
    assert announcement("Внимание!", "Занятий нет.") == "Внимание! Занятий нет."


def test_translations_are_used_per_language_and_the_rest_get_it_as_sent() -> None:
    kk = {"title": "Жиналыс", "text": "Жұмада 18:30-да."}
    bodies = rendered(_event(translations={"kk": kk}), max_parts=3)
    assert bodies == {
        "ru": "Собрание. В пятницу в 18:30.",
        "kk": "Жиналыс. Жұмада 18:30-да.",
        "ky": "Собрание. В пятницу в 18:30.",
    }


def test_an_over_budget_translation_is_refused_naming_its_language() -> None:
    long_kk = {"title": "Жиналыс", "text": "Ата-аналарға арналған ұзын мәтін. " * 3}
    with pytest.raises(RejectedEvent, match=r"\(kk\) needs 2 SMS parts .* limit is 1 parts"):
        rendered(_event(translations={"kk": long_kk}), max_parts=1)
    assert count_parts(rendered(_event(), max_parts=1)["ru"]).parts == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_lesson_grade_reads_name_subject_mark_and_date(lang: Language) -> None:
    assert grade_alert(lang, "grade_posted", "Айгерим", LESSON) == "Айгерим: Математика 5 (12.11)"


def test_final_marks_say_they_are_final_in_each_language() -> None:
    texts = {lang: grade_alert(lang, "grade_posted", "Бек", YEAR) for lang in LANGUAGES}
    assert texts == {
        "ru": "Бек: Физика, итоговая за год: 4 (25.05)",
        "kk": "Бек: Физика, жылдық қорытынды бағасы: 4 (25.05)",
        "ky": "Бек: Физика, жыл үчүн жыйынтык баа: 4 (25.05)",
    }


def test_an_alert_with_the_longest_names_stays_within_two_parts() -> None:
    long = GradeFacts("Ж" * 100, "half_year", 2, None, 999, 1000, date(2026, 12, 30))
    for lang in LANGUAGES:
        for news in ("grade_posted", "grade_changed", "grade_deleted"):
            assert count_parts(grade_alert(lang, news, "Н" * 100, long)).parts <= 2  # type: ignore[arg-type]


ALMATY = "Asia/Almaty"  # UTC+5


@pytest.mark.parametrize(
    ("utc_hour", "expected"),
    [
        (12, None),  # 17:00 local: at once
        (17, datetime(2026, 12, 2, 2, tzinfo=UTC)),  # 22:00 local: at 07:00 next morning
        (20, datetime(2026, 12, 2, 2, tzinfo=UTC)),  # 01:00 local: at 07:00 the same morning
        (2, None),  # 07:00 local: the night is over
    ],
)
def test_urgent_announcements_wait_for_the_morning_at_night(
    utc_hour: int, expected: datetime | None
) -> None:
    now = datetime(2026, 12, 1, utc_hour, tzinfo=UTC)
    assert after_night(now, ALMATY, 22, 7) == expected


def test_no_night_when_start_equals_end_and_a_daytime_night_works_too() -> None:
    now = datetime(2026, 12, 1, 18, tzinfo=UTC)  # 23:00 in Almaty
    assert after_night(now, ALMATY, 0, 0) is None
    assert after_night(now, ALMATY, 13, 23) is None
    assert after_night(now, ALMATY, 13, 0) == datetime(2026, 12, 1, 19, tzinfo=UTC)
