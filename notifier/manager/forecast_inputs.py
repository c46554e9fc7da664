"""The facts a month's forecast is made of, read for one parent (notifier/manager/forecast.py).

Per active, verified subscription: the digest's size measured by the digest's own builder on
the child's last four weeks of marks (weeks without marks send nothing and are left out; a
child with none is priced on a typical week, notifier/digest/estimate.py); one SMS of each
other type rendered by the functions that render the real one (cost_hints.samples); the
class's and school's counts of the last 28 days; and, for instant grade alerts, when the
class's marks were posted, bundled under the child's daily limit (forecast_grades.py).
A few queries per child, for one page.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import groupby

from billing.types import Conn
from gateways.sms.segments import count_parts
from notifier.digest.budget import fit_digest
from notifier.digest.compose import Grade, PupilWeek, SubjectWeek
from notifier.digest.estimate import typical_digest_parts
from notifier.manager.cost_hints import grade_sample, samples
from notifier.manager.forecast import WINDOW_DAYS, ChildPlan
from notifier.manager.forecast_grades import PostedMark, bundles_per_pupil
from notifier.notification_types import NotificationType
from notifier.outbox.caps import parent_zone
from notifier.sms.texts import Language

_SUBSCRIPTIONS = """
SELECT s.pupil_id, s.types, s.language, s.grade_alerts_per_day, p.first_name, p.class_id,
       p.school_id, p.time_zone
  FROM subscriptions s JOIN pupils p ON p.id = s.pupil_id
 WHERE s.parent_id = $1 AND s.active AND s.phone_verified_at IS NOT NULL
 ORDER BY s.id
"""
_RATES = """
SELECT (SELECT count(*) FROM homework
         WHERE class_id = $1 AND NOT cancelled AND as_of >= $3),
       (SELECT count(*) FROM pupils WHERE class_id = $1 AND active),
       (SELECT count(*) FROM announcements WHERE school_id = $2 AND published_at >= $3)
"""
_POSTED = """
SELECT g.pupil_id, g.as_of FROM grades g JOIN pupils p ON p.id = g.pupil_id
 WHERE p.class_id = $1 AND p.active AND NOT g.deleted AND g.as_of >= $2
"""
_MARKS = """
SELECT subject, lesson_date, assessment, period, mark, points, max_points FROM grades
 WHERE pupil_id = $1 AND NOT deleted AND lesson_date BETWEEN $2 AND $3
 ORDER BY lesson_date - ((lesson_date - $2) % 7), subject, lesson_date, assessment <> 'lesson', id
"""


async def child_plans(
    conn: Conn, parent_id: str, now: datetime, *, sms_max_parts: int, digest_max_parts: int,
    grade_grace: timedelta, currency: str,
) -> list[ChildPlan]:  # fmt: skip
    plans = []
    since = now - timedelta(days=WINDOW_DAYS)
    for sub in await conn.fetch(_SUBSCRIPTIONS, parent_id):
        lang: Language = sub["language"]
        texts = samples(lang, sub["first_name"], now.date(), sms_max_parts)
        hw, pupils, news = await conn.fetchrow(
            _RATES, sub["class_id"], sub["school_id"], since
        ) or (0, 0, 0)
        per_window: dict[NotificationType, Fraction] = {
            "homework": Fraction(hw),
            "announcements": Fraction(news),
        }
        if "grade_instant" in sub["types"]:
            posted = [PostedMark(*r.values()) for r in await conn.fetch(
                _POSTED, sub["class_id"], since)]  # fmt: skip
            per_window["grade_instant"] = bundles_per_pupil(
                posted, pupils, grace=grade_grace, limit=sub["grade_alerts_per_day"],
                time_zone=parent_zone(sub["time_zone"], currency),
            )  # fmt: skip
        digest = await _digest_parts(conn, sub["pupil_id"], sub["first_name"], lang,
                                     now.date(), digest_max_parts)  # fmt: skip
        parts = {kind: (n := count_parts(text).parts, n) for kind, text in texts.items()}
        latin = grade_sample(lang, sub["first_name"], now.date(), sms_max_parts, latin=True)
        parts["grade_instant"] = (parts["grade_instant"][0], count_parts(latin).parts)
        plans.append(ChildPlan(sub["pupil_id"], tuple(sub["types"]), digest, parts, per_window))
    return plans


async def _digest_parts(
    conn: Conn, pupil_id: str, name: str, lang: Language, today: date, max_parts: int
) -> tuple[int, int]:
    """The mean parts (rounded up) of the child's digests of the last four full weeks."""
    monday = today - timedelta(days=today.weekday() + 7 * 4)
    rows = await conn.fetch(_MARKS, pupil_id, monday, monday + timedelta(days=27))
    weeks = []
    for start, week_rows in groupby(rows, key=lambda r: _monday(r["lesson_date"], monday)):
        subjects = tuple(
            SubjectWeek(subject, tuple(Grade(*tuple(r.values())[1:]) for r in grades))
            for subject, grades in groupby(week_rows, key=lambda r: r["subject"])
        )
        weeks.append(PupilWeek(name, start, start + timedelta(days=6), subjects))
    if not weeks:
        return (typical_digest_parts(lang, latin=False, max_parts=max_parts),
                typical_digest_parts(lang, latin=True, max_parts=max_parts))  # fmt: skip
    return (_mean_parts(weeks, lang, latin=False, max_parts=max_parts),
            _mean_parts(weeks, lang, latin=True, max_parts=max_parts))  # fmt: skip


def _mean_parts(weeks: list[PupilWeek], lang: Language, *, latin: bool, max_parts: int) -> int:
    total = sum(
        count_parts(fit_digest(w, lang, latin=latin, max_parts=max_parts)).parts for w in weeks
    )
    return math.ceil(total / len(weeks))


def _monday(day: date, first_monday: date) -> date:
    return day - timedelta(days=(day - first_monday).days % 7)
