"""One weekly SMS for a parent's children on one phone: each child's name then their subjects,
within the summed budget, and only when it costs no more than their own SMS."""

from __future__ import annotations

from gateways.sms.segments import count_parts
from notifier.digest.budget import fit_digest
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek
from notifier.digest.per_phone import fit_combined, phone_week
from tests.unit.digest_fixtures import MON, SUN, day, fixture_week

DANA = fixture_week("История Казахстана", "Русский язык", name="Дана")
TIMUR = fixture_week("История Казахстана", "Русский язык", name="Тимур")


def _one_mark(name: str, subject: str = "Математика") -> PupilWeek:
    return PupilWeek(name, MON, SUN, (SubjectWeek(subject, (Grade(day(23), "lesson", mark=5),)),))


def _many_subjects(name: str, n: int) -> PupilWeek:
    subjects = tuple(
        SubjectWeek(f"Предмет номер {i}", tuple(Grade(day(23 + d), "lesson", mark=4 + d % 2)
                                                for d in range(5)))
        for i in range(n)
    )  # fmt: skip
    return PupilWeek(name, MON, SUN, subjects)


def test_two_children_read_one_after_the_other_each_by_name() -> None:
    week = phone_week([(DANA, False), (TIMUR, False)], "ru", latin=False, max_parts=3)
    assert week.combined == (
        "Дана, оценки 23-29.11: История Казахстана 4, 2 четв.: 5; Математика 5 4 5 (ср. 4,7);"
        " Русский язык 3 4 (ср. 3,5); Физика 12/15\n"
        "Тимур, оценки 23-29.11: История Казахстана 4, 2 четв.: 5; Математика 5 4 5 (ср. 4,7);"
        " Русский язык 3 4 (ср. 3,5); Физика 12/15"
    )
    assert (week.separate_parts, week.combined_parts) == (4, 4)
    assert week.send_combined  # the same money: one SMS rather than two


def test_short_weeks_cost_one_part_together_instead_of_two() -> None:
    week = phone_week([(_one_mark("Dana"), False), (_one_mark("Timur"), False)], "kk",
                      latin=True, max_parts=3)  # fmt: skip
    assert week.combined == (
        "Dana, 23-29.11 baghalary: Matematika 5\nTimur, 23-29.11 baghalary: Matematika 5"
    )
    assert (week.separate_parts, week.combined_parts, week.send_combined) == (2, 1, True)


def test_two_single_part_texts_that_would_need_three_parts_together_go_apart() -> None:
    # 158 GSM-7 characters each: one part apiece; 317 together need three parts of 153.
    padded = [_one_mark(name + "a" * (158 - len(fit_digest(_one_mark(name), "ru", latin=True,
                                                            max_parts=3))))
              for name in ("Dana", "Timur")]  # fmt: skip
    week = phone_week([(w, False) for w in padded], "ru", latin=True, max_parts=3)
    assert [count_parts(t or "").parts for t in week.separate] == [1, 1]
    assert (week.combined_parts, week.send_combined) == (3, False)


def test_a_long_week_gives_up_detail_before_a_short_one_and_the_sum_of_budgets_holds() -> None:
    long_week, short_week = _many_subjects("Дана", 12), _one_mark("Тимур", "Физика")
    text = fit_combined([long_week, short_week], "ru", latin=False, max_parts=3)
    assert count_parts(text).parts <= 6
    first, second = text.split("\n")
    assert second == "Тимур, оценки 23-29.11: Физика 5"  # whole
    # The budget's order within Дана's part: marks give way to the average, last subject first.
    assert first.startswith("Дана, оценки 23-29.11: Предмет номер 0 4 5 4 5 4 (ср. 4,4); ")
    assert first.endswith("; Предмет номер 11 ср. 4,4")


def test_every_mix_of_weeks_fits_the_summed_budget() -> None:
    for n in range(1, 5):
        for size in (0, 1, 5, 20):
            weeks = [_many_subjects(f"Ребёнок{i}", size) if size else DANA for i in range(n)]
            for parts in (1, 2, 3):
                text = fit_combined(weeks, "ky", latin=False, max_parts=parts)
                assert count_parts(text).parts <= parts * n


def test_a_child_without_marks_is_left_out_unless_the_school_says_so() -> None:
    quiet = PupilWeek("Тимур", MON, SUN, ())
    alone = phone_week([(DANA, False), (quiet, False)], "ru", latin=False, max_parts=3)
    assert alone.combined is None
    assert alone.separate[1] is None
    said = phone_week([(_one_mark("Дана"), False), (quiet, True)], "ru", latin=False,
                      max_parts=3)  # fmt: skip
    assert said.combined == (
        "Дана, оценки 23-29.11: Математика 5\nТимур: за 23-29.11 новых оценок нет."
    )
