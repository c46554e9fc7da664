"""One weekly SMS for several children on the same phone (pure; no I/O).

Each child's section is the child's own digest (their first name, the dates, then their
subjects), one section a line, in subscription order. The budget is ``max_parts`` per child,
summed; while the whole text does not fit, the child whose section is longest gives up its
next level of detail in the budget's order (notifier/digest/budget.py); when no child has any
detail left to give, the text is cut at a character boundary.

Sent combined only when it costs no more than the children's own SMS would: one SMS of n
parts is n parts, so it is cheaper whenever it saves a part (concatenated parts carry 153
GSM-7 characters, not 160, so two short digests can cost less apart than together).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gateways.sms.segments import count_parts, fits, truncate_to_parts
from notifier.digest.budget import empty_digest, fit_digest, less_and_less
from notifier.digest.compose import Detail, PupilWeek, SubjectTexts, digest_text, empty_week
from notifier.sms.latin import to_latin
from notifier.sms.texts import Language

SEPARATOR = "\n"


@dataclass(frozen=True)
class PhoneWeek:
    """What one phone's digests of a week could be: one SMS, or each child's own."""

    combined: str | None  # None: fewer than two children have something to say
    separate: tuple[str | None, ...]  # per child, in order; None: nothing to send

    @property
    def separate_parts(self) -> int:
        return sum(count_parts(text).parts for text in self.separate if text is not None)

    @property
    def combined_parts(self) -> int | None:
        return None if self.combined is None else count_parts(self.combined).parts

    @property
    def send_combined(self) -> bool:
        """One SMS when it costs no more than the children's own (a tie: one SMS, not two)."""
        parts = self.combined_parts
        return parts is not None and parts <= self.separate_parts

    @property
    def parts_sent(self) -> int:
        """What the week costs the parent with the option on."""
        parts = self.combined_parts
        return parts if parts is not None and parts <= self.separate_parts else self.separate_parts


def phone_week(
    weeks: Sequence[tuple[PupilWeek, bool]], lang: Language, *, latin: bool, max_parts: int
) -> PhoneWeek:
    """`weeks`: each child's week and whether a week without marks is said (the school's
    send_empty); a child with nothing to say is left out of both texts."""
    separate = tuple(_own(week, say_empty, lang, latin, max_parts) for week, say_empty in weeks)
    said = [week for (week, _), text in zip(weeks, separate, strict=True) if text is not None]
    combined = fit_combined(said, lang, latin=latin, max_parts=max_parts) if len(said) > 1 else None
    return PhoneWeek(combined, separate)


def fit_combined(weeks: Sequence[PupilWeek], lang: Language, *, latin: bool, max_parts: int) -> str:
    """The most detailed text of all the weeks that fits in ``max_parts`` × children parts."""
    final: Callable[[str], str] = to_latin if latin else _same
    budget = max_parts * len(weeks)
    ladders: list[list[Detail | None]] = [
        list(less_and_less(w)) if w.subjects else [None] for w in weeks
    ]
    memos = [SubjectTexts() for _ in weeks]
    level = [0] * len(weeks)

    def section(i: int) -> str:
        detail = ladders[i][level[i]]
        if detail is None:
            return final(empty_week(weeks[i], lang))
        return final(digest_text(weeks[i], lang, detail, memos[i]))

    sections = [section(i) for i in range(len(weeks))]
    while True:
        text = SEPARATOR.join(sections)
        if fits(text, budget):
            return text
        left = [i for i in range(len(weeks)) if level[i] + 1 < len(ladders[i])]
        if not left:
            return truncate_to_parts(text, budget)
        longest = max(left, key=lambda i: (len(sections[i]), -i))
        level[longest] += 1
        sections[longest] = section(longest)


def _own(
    week: PupilWeek, say_empty: bool, lang: Language, latin: bool, max_parts: int
) -> str | None:
    if week.subjects:
        return fit_digest(week, lang, latin=latin, max_parts=max_parts)
    if say_empty:
        return empty_digest(week, lang, latin=latin, max_parts=max_parts)
    return None


def _same(text: str) -> str:
    return text
