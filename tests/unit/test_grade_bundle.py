"""The one SMS a child's marks posted together make, in each language and script, within the
parts budget: what the parent reads and pays for."""

from __future__ import annotations

from datetime import date

import pytest

from gateways.sms.segments import count_parts
from notifier.sms.grade_bundle import grade_bundle
from notifier.sms.grade_texts import GradeFacts

DAY = date(2026, 11, 12)


def lesson(subject: str, mark: int) -> GradeFacts:
    return GradeFacts(subject, "lesson", None, mark, None, None, DAY)


def test_one_mark_reads_like_the_single_alert() -> None:
    text = grade_bundle("ru", "Айгерим", [lesson("Математика", 5)], latin=False, max_parts=2)
    assert text == "Айгерим: Математика 5 (12.11)"


def test_a_subjects_marks_stay_together_in_the_order_they_came() -> None:
    marks = [lesson("Математика", 5), lesson("Физика", 4), lesson("Математика", 3)]
    text = grade_bundle("ru", "Айгерим", marks, latin=False, max_parts=2)
    assert text == "Айгерим: Математика 5, 3; Физика 4"


@pytest.mark.parametrize(
    ("lang", "subjects", "expected"),
    [
        ("ru", ["Математика", "Физика", "Английский язык"] * 4,
         "Айгерим: Матем. 5, 5, 5, 5; Физ. 4, 4, 4, 4; Англ. яз. 3, 3, 3, 3"),
        ("kk", ["Қазақ тілі", "Орыс тілі", "Ағылшын тілі"] * 4,
         "Айгерим: Қаз. т. 5, 5, 5, 5; Орыс т. 4, 4, 4, 4; Ағылш. т. 3, 3, 3, 3"),
        ("ky", ["Кыргыз тили", "Орус тили", "Англис тили"] * 4,
         "Айгерим: Кырг. т. 5, 5, 5, 5; Орус т. 4, 4, 4, 4; Англ. т. 3, 3, 3, 3"),
    ],
)  # fmt: skip
def test_names_are_abbreviated_like_the_digests_when_the_full_ones_cost_a_part_more(
    lang: str, subjects: list[str], expected: str
) -> None:
    marks = [lesson(s, 5 - i % 3) for i, s in enumerate(subjects)]
    text = grade_bundle(lang, "Айгерим", marks, latin=False, max_parts=1)  # type: ignore[arg-type]
    assert text == expected
    assert count_parts(text).parts == 1


def test_what_does_not_fit_ends_in_plus_the_marks_left_out() -> None:
    marks = [lesson(f"Предмет {i}", 5) for i in range(40)]
    text = grade_bundle("ru", "Айгерим", marks, latin=False, max_parts=2)
    *shown, rest = text.removeprefix("Айгерим: ").split("; ")
    assert shown == [f"Предмет {i} 5" for i in range(len(shown))]
    assert rest == f"+{40 - len(shown)}"
    assert count_parts(text).parts == 2


def test_latin_is_counted_on_the_latin_text_and_packs_more_in_a_part() -> None:
    marks = [lesson(s, 4) for s in ["Математика", "Физика", "Английский язык", "Химия"] * 3]
    cyrillic = grade_bundle("ru", "Айгерим", marks, latin=False, max_parts=2)
    latin = grade_bundle("ru", "Айгерим", marks, latin=True, max_parts=1)
    assert (
        latin == "Aygerim: Matematika 4, 4, 4; Fizika 4, 4, 4; Angliyskiy yazyk 4, 4, 4; "
        "Khimiya 4, 4, 4"
    )
    assert count_parts(latin).parts == 1 < count_parts(cyrillic).parts


def test_a_final_mark_is_labelled_in_the_parents_language() -> None:
    final = GradeFacts("Алгебра", "quarter", 2, None, 18, 20, date(2026, 12, 25))
    text = grade_bundle("ky", "Бек", [lesson("Алгебра", 5), final], latin=False, max_parts=2)
    assert text == "Бек: Алгебра 5; Алгебра, 2-чейрек үчүн жыйынтык баа: 18/20 (25.12)"
