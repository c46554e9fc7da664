"""The digest never exceeds its budget of SMS parts, and loses detail in the documented order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateways.sms.segments import count_parts
from notifier.digest.budget import fit_digest
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek, digest_text
from tests.unit.digest_fixtures import MON, SUN, fixture_week

RU = fixture_week("История Казахстана", "Русский язык")
FULL = digest_text(RU, "ru")


def _named(extra: int) -> PupilWeek:
    return fixture_week("История Казахстана", "Русский язык", name="Айгерим" + "а" * extra)


def _pad_to(units: int) -> PupilWeek:
    return _named(units - len(FULL))


def test_a_text_of_exactly_three_parts_is_sent_whole() -> None:
    week = _pad_to(3 * 67)
    text = fit_digest(week, "ru", latin=False, max_parts=3)
    assert text == digest_text(week, "ru")
    assert count_parts(text).parts == 3


def test_one_character_more_abbreviates_the_subjects() -> None:
    week = _pad_to(3 * 67 + 1)
    text = fit_digest(week, "ru", latin=False, max_parts=3)
    assert text.endswith(
        ": Ист. Каз. 4, 2 четв.: 5; Матем. 5 4 5 (ср. 4,7); Рус. яз. 3 4 (ср. 3,5); Физ. 12/15"
    )
    assert count_parts(text).parts == 3


def test_seventy_characters_are_one_part_and_seventy_one_are_not() -> None:
    at_limit = fit_digest(_named(1), "ru", latin=False, max_parts=1)
    assert at_limit == "Айгерима, оценки 23-29.11: Ист. Каз. 4, 2 четв.: 5; Матем. ср. 4,7; +2"
    assert len(at_limit) == 70
    over = fit_digest(_named(2), "ru", latin=False, max_parts=1)
    assert over == "Айгеримаа, оценки 23-29.11: Ист. Каз. 4, 2 четв.: 5; +3"


def test_single_marks_go_before_averages_and_subjects_last_first() -> None:
    # Three parts of UCS-2 hold the abbreviated week; two force the marks out from the end.
    big = PupilWeek("Айгерим", MON, SUN, tuple(
        SubjectWeek(name, tuple(Grade(MON, "lesson", mark=m) for m in (5, 4, 5, 4, 5)))
        for name in ("Алгебра", "Геометрия", "Физика", "Химия", "Биология", "География")
    ))  # fmt: skip
    text = fit_digest(big, "ru", latin=False, max_parts=2)
    assert count_parts(text).parts <= 2
    assert text.startswith("Айгерим, оценки 23-29.11: Алг. 5 4 5 4 5 (ср. 4,6)")
    assert text.endswith("Геогр. ср. 4,6")  # the last subject lost its marks first


names = st.text(min_size=1, max_size=40)  # emoji (surrogate pairs), GSM escapes, anything
grades = st.builds(
    Grade,
    lesson_date=st.just(MON),
    assessment=st.sampled_from(["lesson", "lesson", "quarter", "year"]),
    period=st.just(1),
    mark=st.integers(1, 10),
)
weeks = st.builds(
    PupilWeek,
    first_name=names,
    first_day=st.just(MON),
    last_day=st.just(SUN),
    subjects=st.lists(
        st.builds(SubjectWeek, subject=names, grades=st.lists(grades, max_size=8).map(tuple)),
        max_size=14,
    ).map(tuple),
)


@given(week=weeks, lang=st.sampled_from(["ru", "kk", "ky"]), latin=st.booleans(),
       max_parts=st.integers(1, 4))  # fmt: skip
def test_never_over_budget_and_never_a_broken_character(
    week: PupilWeek, lang: str, latin: bool, max_parts: int
) -> None:
    text = fit_digest(week, lang, latin=latin, max_parts=max_parts)  # type: ignore[arg-type]
    assert count_parts(text).parts <= max_parts
    assert text.encode("utf-16", "strict")  # no lone surrogate
    if latin:
        assert count_parts(text).encoding == "GSM-7"


def test_the_latin_option_fits_where_cyrillic_needs_more_parts() -> None:
    week = _pad_to(3 * 67)
    assert count_parts(fit_digest(week, "ru", latin=True, max_parts=3)).parts == 2
    assert fit_digest(week, "ru", latin=True, max_parts=3).startswith("Aygerimaaaa")
