"""A batch's phones shared by several children, and each child's week claimed once, in SQL.

A phone's children are the parent's weekly-digest subscriptions on that phone in the same
language and letters, in schools not on holiday that week, while the parent keeps the option
on. Their owner, the lowest subscription id, composes the one SMS in its own school's run,
loading every child's week (whatever their schools); the others' runs leave them to it,
unless the owner's run has already passed the owner (a child who joined the phone since then
is sent their own digest, rather than none).

Every child's week is claimed in ``digest_coverage`` (one row per subscription and week) in
the batch's transaction, before its SMS is queued: two runs or replicas reaching the same
child wait on the row and the second claims nothing; a killed batch rolls its claims back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from billing.types import Conn
from notifier.digest.compose import PupilWeek
from notifier.digest.load import subjects_of

_GROUPS = """
WITH batch AS (
    SELECT id, parent_id, phone, language, latin FROM subscriptions WHERE id = ANY ($1::bigint[])
), members AS (
    SELECT b.id AS batch_id, s.id, s.pupil_id, p.first_name,
           coalesce(ds.send_empty, false) AS send_empty,
           min(s.id) OVER (PARTITION BY b.id) AS owner, count(*) OVER (PARTITION BY b.id) AS n,
           first_value(p.school_id) OVER (PARTITION BY b.id ORDER BY s.id) AS owner_school
      FROM batch b
      JOIN subscriptions s ON s.parent_id = b.parent_id AND s.phone = b.phone
                          AND s.language = b.language AND s.latin = b.latin
      JOIN pupils p ON p.id = s.pupil_id
      LEFT JOIN digest_settings ds ON ds.school_id = p.school_id
     WHERE p.active AND s.active AND s.phone_verified_at IS NOT NULL
       AND 'weekly_grades' = ANY (s.types)
       AND NOT EXISTS (SELECT 1 FROM digest_holidays h
                        WHERE h.school_id = p.school_id AND h.iso_week = $2)
       AND coalesce((SELECT o.per_phone FROM digest_phone_options o
                      WHERE o.parent_id = b.parent_id), true)
)
SELECT m.batch_id, m.id, m.pupil_id, m.first_name, m.send_empty, m.owner,
       EXISTS (SELECT 1 FROM digest_runs r
                WHERE r.school_id = m.owner_school AND r.iso_week = $2
                  AND (r.status = 'done' OR r.cursor >= m.owner)) AS owner_passed,
       CASE WHEN m.owner = m.batch_id THEN (
           SELECT json_agg(json_build_array(g.subject, g.lesson_date, g.assessment, g.period,
                                            g.mark, g.points, g.max_points)
                           ORDER BY g.subject, g.lesson_date, g.assessment <> 'lesson', g.id)
             FROM grades g
            WHERE g.pupil_id = m.pupil_id AND NOT g.deleted
              AND g.lesson_date BETWEEN $3 AND $4) END AS grades
  FROM members m WHERE m.n > 1
 ORDER BY m.batch_id, m.id
"""

_CLAIM = """
INSERT INTO digest_coverage (subscription_id, iso_week, pupil_id, sent_with)
SELECT c.id, $3, c.pupil_id, c.sent_with
  FROM unnest($1::bigint[], $2::text[], $5::bigint[]) AS c (id, pupil_id, sent_with)
 WHERE NOT EXISTS (SELECT 1 FROM notification_keys n
                    WHERE n.subscription_id = c.id AND n.dedupe_key = $4)
 ORDER BY c.id
ON CONFLICT DO NOTHING
RETURNING subscription_id
"""


class Claim(NamedTuple):
    """A child's week to claim, and the subscription whose SMS carries it when that is known
    before claiming (a child alone on the phone: itself, or None when nothing is sent)."""

    subscription_id: int
    pupil_id: str
    sent_with: int | None


@dataclass(frozen=True)
class Child:
    """A child of a shared phone, as the owner's run composes them."""

    subscription_id: int
    pupil_id: str
    week: PupilWeek  # no subjects loaded unless this batch owns the phone
    say_empty: bool  # their school's send_empty


@dataclass(frozen=True)
class SharedPhone:
    owner: int  # the subscription that sends the one SMS
    children: tuple[Child, ...]  # in subscription order, the owner among them
    owner_passed: bool  # its school's run of the week is past it (a child added since goes alone)


async def shared_phones(
    conn: Conn, subscription_ids: Sequence[int], week: str, days: tuple[date, date]
) -> dict[int, SharedPhone]:
    """Per subscription of the batch whose phone has other children: that phone."""
    rows = await conn.fetch(_GROUPS, list(subscription_ids), week, *days)
    found: dict[int, list[Child]] = {}
    owners: dict[int, tuple[int, bool]] = {}
    for r in rows:
        week_of = PupilWeek(r["first_name"], *days, subjects_of(r["grades"]))
        child = Child(r["id"], r["pupil_id"], week_of, r["send_empty"])
        found.setdefault(r["batch_id"], []).append(child)
        owners[r["batch_id"]] = (r["owner"], r["owner_passed"])
    return {
        sub: SharedPhone(owners[sub][0], tuple(kids), owners[sub][1]) for sub, kids in found.items()
    }


async def claim(conn: Conn, children: Sequence[Claim], week: str) -> set[int]:
    """Claim each child's week; returns the subscriptions claimed now (not by an earlier run,
    nor sent before claims existed)."""
    once: dict[int, Claim] = {}
    for c in children:  # once each; a carrier known wins
        if c.subscription_id not in once or c.sent_with is not None:
            once[c.subscription_id] = c
    ordered = [once[i] for i in sorted(once)]  # one lock order for every runner: no deadlock
    rows = await conn.fetch(
        _CLAIM, [c.subscription_id for c in ordered], [c.pupil_id for c in ordered], week,
        f"weekly_digest:{week}", [c.sent_with for c in ordered],
    )  # fmt: skip
    return {r[0] for r in rows}


async def record_carriers(conn: Conn, carried_by: dict[int, int], week: str) -> None:
    """Which subscription's SMS carries each claimed child's week (statement, history)."""
    if not carried_by:
        return
    await conn.execute(
        "UPDATE digest_coverage c SET sent_with = x.carrier"
        " FROM unnest($1::bigint[], $2::bigint[]) AS x (id, carrier)"
        " WHERE c.subscription_id = x.id AND c.iso_week = $3",
        list(carried_by), list(carried_by.values()), week,
    )  # fmt: skip
