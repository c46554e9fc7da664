"""One batch of a school's weekly-digest subscribers and their week of grades, in one query.

Keyset-paginated on the subscription id; the week's grades are aggregated per pupil in SQL,
so a batch of thousands of subscriptions is one round trip, never a query per parent. The
school's subscriptions are reached through its pupils' ids (the subscriptions' pupil index),
so a batch reads its school, not the country: a plain join let the planner scan every
subscription for each batch while the table was small enough (tens of thousands).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

from billing.types import Conn
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek
from notifier.sms.texts import Language

_BATCH = """
WITH subs AS (
    SELECT s.id, s.parent_id, s.pupil_id, s.phone, s.country, s.language, s.latin, p.first_name
    FROM subscriptions s JOIN pupils p ON p.id = s.pupil_id
    WHERE s.pupil_id = ANY (ARRAY(SELECT id FROM pupils WHERE school_id = $1 AND active))
      AND p.school_id = $1 AND p.active AND s.active AND s.phone_verified_at IS NOT NULL
      AND 'weekly_grades' = ANY (s.types) AND s.id > $2
    ORDER BY s.id LIMIT $3
)
SELECT subs.*, (
    SELECT json_agg(json_build_array(g.subject, g.lesson_date, g.assessment, g.period, g.mark,
                                     g.points, g.max_points)
                    ORDER BY g.subject, g.lesson_date, g.assessment <> 'lesson', g.id)
    FROM grades g
    WHERE g.pupil_id = subs.pupil_id AND NOT g.deleted AND g.lesson_date BETWEEN $4 AND $5
) AS grades
FROM subs ORDER BY subs.id
"""

_COUNT = """
SELECT p.school_id, count(*) FROM pupils p JOIN subscriptions s ON s.pupil_id = p.id
WHERE p.school_id = ANY ($1::text[]) AND p.active AND s.active
  AND s.phone_verified_at IS NOT NULL AND 'weekly_grades' = ANY (s.types)
GROUP BY p.school_id
"""


@dataclass(frozen=True)
class Subscriber:
    subscription_id: int
    parent_id: str
    pupil_id: str
    phone: str
    country: str  # KZ | KG, of the phone: decides the tariff
    language: Language
    latin: bool
    week: PupilWeek


async def load_batch(
    conn: Conn, school_id: str, days: tuple[date, date], *, after: int, limit: int
) -> list[Subscriber]:
    """The next ``limit`` subscribers of the school after subscription id ``after``."""
    rows = await conn.fetch(_BATCH, school_id, after, limit, *days)
    return [
        Subscriber(
            r["id"], r["parent_id"], r["pupil_id"], r["phone"], r["country"], r["language"],
            r["latin"],
            PupilWeek(r["first_name"], *days, subjects_of(r["grades"])),
        )
        for r in rows
    ]  # fmt: skip


async def count_subscribers(conn: Conn, school_ids: Sequence[str]) -> dict[str, int]:
    """Weekly-digest subscriptions per school, for many schools in one query."""
    return {r["school_id"]: r["count"] for r in await conn.fetch(_COUNT, list(school_ids))}


def subjects_of(raw: str | None) -> tuple[SubjectWeek, ...]:
    """[subject, lesson_date, assessment, period, mark, points, max_points] per grade, in
    subject order, as json_agg built it."""
    if not raw:
        return ()
    return tuple([
        SubjectWeek(subject, tuple([
            Grade(_day(g[1]), g[2], g[3], g[4], g[5], g[6]) for g in grades
        ]))
        for subject, grades in groupby(json.loads(raw), key=itemgetter(0))
    ])  # fmt: skip


@lru_cache(maxsize=64)  # a week has seven days
def _day(iso: str) -> date:
    return date.fromisoformat(iso)
