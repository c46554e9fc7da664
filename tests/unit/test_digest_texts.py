"""The weekly digest as parents read it, in Russian, Kazakh and Kyrgyz, texts written by hand."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateways.sms.segments import count_parts
from notifier.digest.budget import empty_digest, fit_digest
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek
from tests.unit.digest_fixtures import MON, SUN, day, fixture_week

RU = fixture_week("История Казахстана", "Русский язык")
KK = fixture_week("Қазақстан тарихы", "Қазақ тілі")
KY = fixture_week("Кыргызстан тарыхы", "Кыргыз тили")


def test_a_russian_week_in_full() -> None:
    assert fit_digest(RU, "ru", latin=False, max_parts=3) == (
        "Айгерим, оценки 23-29.11: История Казахстана 4, 2 четв.: 5;"
        " Математика 5 4 5 (ср. 4,7); Русский язык 3 4 (ср. 3,5); Физика 12/15"
    )


def test_a_kazakh_week_in_full() -> None:
    assert fit_digest(KK, "kk", latin=False, max_parts=3) == (
        "Айгерим, 23-29.11 бағалары: Қазақстан тарихы 4, 2-тоқсан: 5;"
        " Математика 5 4 5 (орт. 4,7); Қазақ тілі 3 4 (орт. 3,5); Физика 12/15"
    )


def test_a_kyrgyz_week_in_full() -> None:
    assert fit_digest(KY, "ky", latin=False, max_parts=3) == (
        "Айгерим, 23-29.11 баалары: Кыргызстан тарыхы 4, 2-чейрек: 5;"
        " Математика 5 4 5 (орт. 4,7); Кыргыз тили 3 4 (орт. 3,5); Физика 12/15"
    )


@pytest.mark.parametrize(
    ("week", "lang", "expected"),
    [
        (RU, "ru", "Айгерим, оценки 23-29.11: Ист. Каз. 4, 2 четв.: 5; Матем. ср. 4,7; +2"),
        (KK, "kk", "Айгерим, 23-29.11 бағалары: Қаз. тар. 4, 2-тоқсан: 5; +3"),
        (KY, "ky", "Айгерим, 23-29.11 баалары: Кырг. тар. 4, 2-чейрек: 5; +3"),
    ],
)
def test_one_part_abbreviates_drops_single_marks_then_subjects(
    week: PupilWeek, lang: str, expected: str
) -> None:
    text = fit_digest(week, lang, latin=False, max_parts=1)  # type: ignore[arg-type]
    assert text == expected
    assert count_parts(text).parts == 1


def test_the_latin_option_is_one_gsm7_part() -> None:
    text = fit_digest(KK, "kk", latin=True, max_parts=3)
    assert text == (
        "Aygerim, 23-29.11 baghalary: Qazaqstan tarikhy 4, 2-toqsan: 5;"
        " Matematika 5 4 5 (ort. 4,7); Qazaq tili 3 4 (ort. 3,5); Fizika 12/15"
    )
    assert (count_parts(text).encoding, count_parts(text).parts) == ("GSM-7", 1)


def test_a_half_year_and_a_year_mark_are_shown_as_sent() -> None:
    week = PupilWeek("Нурлан", MON, SUN, (SubjectWeek("Алгебра", (
        Grade(day(28), "half_year", period=1, mark=4), Grade(day(28), "year", mark=5),
        Grade(day(28), "quarter", period=2, points=41, max_points=50),
    )),))  # fmt: skip
    assert fit_digest(week, "ru", latin=False, max_parts=3) == (
        "Нурлан, оценки 23-29.11: Алгебра 1 полуг.: 4, год: 5, 2 четв.: 41/50"
    )


def test_an_average_rounds_half_up_to_one_decimal() -> None:
    marks = tuple(Grade(day(23 + i), "lesson", mark=m) for i, m in enumerate((4, 4, 5, 4)))
    week = PupilWeek("Дана", MON, SUN, (SubjectWeek("Химия", marks),))
    assert fit_digest(week, "ky", latin=False, max_parts=3) == (
        "Дана, 23-29.11 баалары: Химия 4 4 5 4 (орт. 4,3)"  # 4.25 -> 4,3
    )


def test_an_empty_week_says_no_new_marks_in_each_language() -> None:
    week = PupilWeek("Ерлан", day(30), day(30).replace(month=12, day=6), ())
    assert [empty_digest(week, lang, latin=False, max_parts=1) for lang in ("ru", "kk", "ky")] == [
        "Ерлан: за 30.11-06.12 новых оценок нет.",
        "Ерлан: 30.11-06.12 жаңа баға жоқ.",
        "Ерлан: 30.11-06.12 жаңы баа жок.",
    ]


@given(st.lists(st.integers(min_value=1, max_value=10), min_size=2, max_size=30))
def test_the_average_is_the_arithmetic_one_rounded_half_up(marks: list[int]) -> None:
    week = SubjectWeek("Химия", tuple(Grade(day(23), "lesson", mark=m) for m in marks))
    exact = Decimal(sum(marks)) / len(marks)
    assert week.average == exact.quantize(Decimal("0.1"), ROUND_HALF_UP)
