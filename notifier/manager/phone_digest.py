"""The parent's "one weekly SMS per phone" option and what it saves, as the page shows it.

Per phone shared by two or more of the parent's weekly-digest children (same language and
letters), both prices of a month side by side: each child's own digest, and one SMS per
phone, sent combined in the weeks where that costs no more (notifier/digest/per_phone.py).
Measured with the digest's own builder on the children's last four full weeks of marks
(weeks without any marks send nothing and are left out; without any, a typical week).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import groupby
from typing import cast

import asyncpg

from billing.types import Conn
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek
from notifier.digest.estimate import typical_week
from notifier.digest.per_phone import phone_week
from notifier.sms.texts import Language

WEEKS = 4
_CHILDREN = """
SELECT s.phone, s.language, s.latin, s.pupil_id, p.first_name,
       coalesce(ds.send_empty, false) AS send_empty
  FROM subscriptions s JOIN pupils p ON p.id = s.pupil_id
  LEFT JOIN digest_settings ds ON ds.school_id = p.school_id
 WHERE s.parent_id = $1 AND s.active AND s.phone_verified_at IS NOT NULL AND p.active
   AND 'weekly_grades' = ANY (s.types)
 ORDER BY s.phone, s.language, s.latin, s.id
"""
_MARKS = """
SELECT subject, lesson_date, assessment, period, mark, points, max_points FROM grades
 WHERE pupil_id = $1 AND NOT deleted AND lesson_date BETWEEN $2 AND $3
 ORDER BY subject, lesson_date, assessment <> 'lesson', id
"""


@dataclass(frozen=True)
class SharedPhone:
    phone: str
    pupil_ids: tuple[str, ...]
    separate_parts: int  # a week's digests, each child their own SMS (mean, rounded up)
    one_sms_parts: int  # the same week with the option on


async def per_phone(conn: Conn, parent_id: str) -> bool:
    """The option; on unless the parent turned it off."""
    found = await conn.fetchval(
        "SELECT per_phone FROM digest_phone_options WHERE parent_id = $1", parent_id
    )
    return True if found is None else bool(found)


async def set_per_phone(conn: Conn, parent_id: str, on: bool, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO digest_phone_options (parent_id, per_phone, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (parent_id) DO UPDATE SET per_phone = $2, updated_at = $3",
        parent_id, on, now,
    )  # fmt: skip


async def phone_prices(
    conn: Conn, parent_id: str, today: date, *, max_parts: int, latin: bool | None = None
) -> list[SharedPhone]:
    """The parent's phones with two or more weekly-digest children, and a week's parts both
    ways; with `latin`, as if every digest were in those letters (the forecast's columns)."""
    monday = today - timedelta(days=today.weekday() + 7 * WEEKS)
    rows = await conn.fetch(_CHILDREN, parent_id)

    def key(r: asyncpg.Record) -> tuple[str, str, bool]:
        return r["phone"], r["language"], r["latin"] if latin is None else latin

    found = []
    for (phone, lang, latin_now), group in groupby(sorted(rows, key=key), key=key):
        children = list(group)
        lang = cast(Language, lang)
        if len(children) < 2:
            continue
        weeks = [await _weeks(conn, child, monday) for child in children]
        say = [bool(child["send_empty"]) for child in children]
        separate, one = _mean_parts(weeks, say, lang, latin_now, max_parts)
        if separate == 0:  # no marks at all lately: a typical week each
            typical = [[typical_week(child["first_name"], lang)] for child in children]
            separate, one = _mean_parts(typical, say, lang, latin_now, max_parts)
        found.append(SharedPhone(phone, tuple(c["pupil_id"] for c in children), separate, one))
    return found


def month_costs(phones: Sequence[SharedPhone], per_part: int, days: int) -> tuple[int, int]:
    """(separate, one SMS per phone) in minor units for a month of `days` days, counting the
    digests as the forecast does: days / 7, half up."""
    weeks = int(Fraction(days, 7) + Fraction(1, 2))
    separate = sum(p.separate_parts for p in phones) * weeks * per_part
    return separate, sum(p.one_sms_parts for p in phones) * weeks * per_part


def _mean_parts(
    weeks: list[list[PupilWeek]], say: list[bool], lang: Language, latin: bool, max_parts: int
) -> tuple[int, int]:
    separate = one = counted = 0
    for week in zip(*weeks, strict=True):
        texts = phone_week(list(zip(week, say, strict=True)), lang, latin=latin,
                           max_parts=max_parts)  # fmt: skip
        if texts.separate_parts == 0:
            continue
        counted += 1
        separate += texts.separate_parts
        one += texts.parts_sent
    if counted == 0:
        return 0, 0
    return math.ceil(separate / counted), math.ceil(one / counted)


async def _weeks(conn: Conn, child: asyncpg.Record, monday: date) -> list[PupilWeek]:
    """The child's last full weeks, in order, weeks without marks included."""
    last = monday + timedelta(days=7 * WEEKS - 1)
    rows = await conn.fetch(_MARKS, child["pupil_id"], monday, last)
    out = []
    for n in range(WEEKS):
        first = monday + timedelta(days=7 * n)
        mine = [r for r in rows if first <= r["lesson_date"] <= first + timedelta(days=6)]
        subjects = tuple(
            SubjectWeek(subject, tuple(Grade(*tuple(r.values())[1:]) for r in grades))
            for subject, grades in groupby(mine, key=lambda r: r["subject"])
        )
        out.append(PupilWeek(child["first_name"], first, first + timedelta(days=6), subjects))
    return out
