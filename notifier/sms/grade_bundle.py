"""One SMS for all of a child's marks that fell due together (bundled instant grade alerts):
"Айгерим: Матем. 5, 4; Физ. 4; Англ. яз. 3" — subjects in the order their first mark came,
a subject's marks in order, subjects separated as in the weekly digest.

Detail is dropped in the weekly digest budget's order (notifier/digest/budget.py) until the
text fits ``max_parts``, counted on the final text (Latin when the subscription chose it):
1. subject names in full;
2. subject names abbreviated (notifier/digest/subjects.py);
3. whole subjects dropped from the end, replaced by "+N" (N marks left out);
4. if even that does not fit, the text is cut at a character boundary.
A single mark keeps the single alert's wording, date included (grade_texts.grade_alert).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from gateways.sms.segments import first_that_fits, truncate_to_parts
from notifier.digest.subjects import abbreviate
from notifier.sms.grade_texts import PERIODS, GradeFacts, grade_alert, grade_value
from notifier.sms.latin import to_latin
from notifier.sms.texts import ELLIPSIS, TEXTS, Language, clean


@dataclass(frozen=True)
class _Subject:
    name: str
    marks: tuple[GradeFacts, ...]
    final: bool  # a final attestation mark: listed alone, with its period


def grade_bundle(
    lang: Language, name: str, marks: Sequence[GradeFacts], *, latin: bool, max_parts: int
) -> str:
    """The whole SMS for ``marks`` (in the order they came), within ``max_parts`` parts."""
    if not marks:
        raise ValueError("a bundle needs at least one mark")
    final = to_latin if latin else _same
    if len(marks) == 1:
        return truncate_to_parts(final(grade_alert(lang, "grade_posted", name, marks[0])),
                                 max_parts, ellipsis=ELLIPSIS)  # fmt: skip
    subjects, name = _subjects(marks), clean(name)
    texts = (
        final(_text(lang, name, subjects, short=short, kept=kept))
        for short, kept in _less_and_less(subjects)
    )
    return first_that_fits(texts, max_parts, ellipsis=ELLIPSIS)


def _same(text: str) -> str:
    return text


def _less_and_less(subjects: Sequence[_Subject]) -> Iterator[tuple[bool, int]]:
    yield False, len(subjects)
    for kept in range(len(subjects), 0, -1):
        yield True, kept


def _subjects(marks: Sequence[GradeFacts]) -> list[_Subject]:
    lessons: dict[str, list[GradeFacts]] = {}
    order: list[_Subject | str] = []
    for g in marks:
        if g.assessment in PERIODS:
            order.append(_Subject(clean(g.subject), (g,), final=True))
        elif (subject := clean(g.subject)) in lessons:
            lessons[subject].append(g)
        else:
            lessons[subject] = [g]
            order.append(subject)
    return [
        s if isinstance(s, _Subject) else _Subject(s, tuple(lessons[s]), final=False) for s in order
    ]


def _text(
    lang: Language, name: str, subjects: Sequence[_Subject], *, short: bool, kept: int
) -> str:
    shown = [_one(lang, s, short) for s in subjects[:kept]]
    left_out = sum(len(s.marks) for s in subjects[kept:])
    if left_out:
        shown.append(f"+{left_out}")
    return f"{name}: " + "; ".join(shown)


def _one(lang: Language, s: _Subject, short: bool) -> str:
    name = abbreviate(s.name) if short else s.name
    if not s.final:
        return f"{name} " + ", ".join(grade_value(g) for g in s.marks)
    g = s.marks[0]
    period = PERIODS[g.assessment][lang].format(n=g.period)
    date = g.day.strftime("%d.%m")
    return TEXTS["grade_final"][lang].format(
        subject=name, period=period, grade=grade_value(g), date=date
    )
