"""Fit a weekly digest into the budget of SMS parts, dropping detail in a fixed order.

1. the whole week, subjects by their full names;
2. subject names abbreviated (notifier/digest/subjects.py);
3. per-lesson marks dropped where the subject's average says enough, last subject first;
4. whole subjects dropped from the end, replaced by "+N" (N subjects left out);
5. if even the header alone does not fit, the text is cut at a character boundary.

Parts are counted on the final text (Latin when the subscription chose it), so the budget
is never exceeded, and a cut never splits an escape or a surrogate pair (segments.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gateways.sms.segments import first_that_fits, truncate_to_parts
from notifier.digest.compose import Detail, PupilWeek, SubjectTexts, digest_text, empty_week
from notifier.sms.latin import to_latin
from notifier.sms.texts import Language

DEFAULT_MAX_PARTS = 3


def fit_digest(week: PupilWeek, lang: Language, *, latin: bool, max_parts: int) -> str:
    """The most detailed digest text of the week that fits in ``max_parts`` SMS parts."""
    final: Callable[[str], str] = to_latin if latin else _same
    memo = SubjectTexts()
    texts = (final(digest_text(week, lang, detail, memo)) for detail in less_and_less(week))
    return first_that_fits(texts, max_parts)


def empty_digest(week: PupilWeek, lang: Language, *, latin: bool, max_parts: int) -> str:
    text = empty_week(week, lang)
    return truncate_to_parts(to_latin(text) if latin else text, max_parts)


def _same(text: str) -> str:
    return text


def less_and_less(week: PupilWeek) -> Iterator[Detail]:
    """The budget's order: each Detail shows less of the week than the one before."""
    yield Detail()
    yield Detail(short_names=True)
    averaged = sum(1 for s in week.subjects if s.average is not None)
    for n in range(1, averaged + 1):
        yield Detail(short_names=True, without_marks=n)
    for kept in range(len(week.subjects) - 1, -1, -1):
        yield Detail(short_names=True, without_marks=averaged, subjects=kept)
