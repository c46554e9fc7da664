"""Each school's digest settings as stored: zone, day and time, window, holidays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from billing.types import Conn
from notifier.digest import DigestError
from notifier.digest.schedule import DEFAULT_TIME, DEFAULT_WEEKDAY, SchoolSchedule
from notifier.outbox.window import COUNTRY_ZONES, DEFAULT_WINDOW, SendWindow
from notifier.zones import zone


class UnknownSchool(DigestError, LookupError):
    """No school with this id in the roster."""


@dataclass(frozen=True)
class SchoolDigest:
    schedule: SchoolSchedule
    window: SendWindow
    send_empty: bool

    @property
    def school_id(self) -> str:
        return self.schedule.school_id


_SELECT = (
    "SELECT s.id, s.country, s.time_zone, d.send_weekday, d.send_time, d.window_start,"
    " d.window_end, coalesce(d.send_empty, false) AS send_empty"
    " FROM schools s LEFT JOIN digest_settings d ON d.school_id = s.id"
)


async def all_schools(conn: Conn) -> list[SchoolDigest]:
    """Every school with its digest settings (defaults where it set none)."""
    return [_school(r) for r in await conn.fetch(_SELECT + " ORDER BY s.id")]


async def one_school(conn: Conn, school_id: str) -> SchoolDigest:
    row = await conn.fetchrow(_SELECT + " WHERE s.id = $1", school_id)
    if row is None:
        raise UnknownSchool(f"no school {school_id!r}")
    return _school(row)


async def not_yet_sent(conn: Conn, due: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (school, week) pairs that are neither finished nor a holiday, in one query."""
    rows = await conn.fetch(
        "SELECT d.school_id, d.iso_week"
        " FROM unnest($1::text[], $2::text[]) AS d(school_id, iso_week)"
        " WHERE NOT EXISTS (SELECT 1 FROM digest_runs r WHERE r.school_id = d.school_id"
        " AND r.iso_week = d.iso_week AND r.status = 'done')"
        " AND NOT EXISTS (SELECT 1 FROM digest_holidays h WHERE h.school_id = d.school_id"
        " AND h.iso_week = d.iso_week) ORDER BY 1",
        [s for s, _ in due],
        [w for _, w in due],
    )
    return [(r["school_id"], r["iso_week"]) for r in rows]


async def is_holiday(conn: Conn, school_id: str, week: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM digest_holidays WHERE school_id = $1 AND iso_week = $2", school_id, week
    )
    return found is not None


def _school(row: asyncpg.Record) -> SchoolDigest:
    tz = zone(row["time_zone"] or COUNTRY_ZONES[row["country"]])
    window = (row["window_start"], row["window_end"]) if row["window_start"] else DEFAULT_WINDOW
    weekday, at = row["send_weekday"] or DEFAULT_WEEKDAY, row["send_time"] or DEFAULT_TIME
    return SchoolDigest(SchoolSchedule(row["id"], tz, weekday, at), SendWindow(tz, window),
                        row["send_empty"])  # fmt: skip
