"""Internal API for the weekly digest: per-school schedule and window, holidays, re-runs.

Guarded like the rest of /internal/v1 (INTERNAL_API_TOKEN). A re-run of a school's week
resumes where it stopped and never sends anyone a second digest.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from notifier import keys
from notifier.digest.job import digest_job
from notifier.digest.run import run_school_week
from notifier.digest.schedule import BadWeek, week_monday
from notifier.digest.schools import UnknownSchool
from notifier.http.errors import ApiError
from notifier.http.internal import _authorize


class DigestSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    send_weekday: int = Field(default=5, ge=1, le=7, description="ISO weekday, 5 = Friday")
    send_time: time = time(18, 0)
    window_start: time = Field(default=time(9, 0), description="paid SMS only from ...")
    window_end: time = Field(default=time(20, 0), description="... until (local time)")
    send_empty: bool = Field(default=False, description='a week without marks: "no new marks"')


def _week(request: web.Request) -> str:
    week = request.match_info["week"]
    try:
        week_monday(week)
    except BadWeek as exc:
        raise ApiError(422, "invalid_week", str(exc)) from exc
    return week


async def _known_school(request: web.Request) -> str:
    school_id = request.match_info["school_id"]
    if await request.app[keys.POOL].fetchval("SELECT 1 FROM schools WHERE id = $1", school_id):
        return school_id
    raise ApiError(404, "not_found", f"no school {school_id!r}")


async def put_settings(request: web.Request) -> web.Response:
    _authorize(request)
    body = DigestSettingsIn.model_validate_json(await request.read())
    school_id = await _known_school(request)
    await request.app[keys.POOL].execute(
        "INSERT INTO digest_settings (school_id, send_weekday, send_time, window_start,"
        " window_end, send_empty, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (school_id) DO UPDATE SET send_weekday = EXCLUDED.send_weekday,"
        " send_time = EXCLUDED.send_time, window_start = EXCLUDED.window_start,"
        " window_end = EXCLUDED.window_end, send_empty = EXCLUDED.send_empty,"
        " updated_at = EXCLUDED.updated_at",
        school_id, *body.model_dump().values(), request.app[keys.CLOCK].now(),
    )  # fmt: skip
    return web.json_response({"school_id": school_id, **body.model_dump(mode="json")})


async def put_holiday(request: web.Request) -> web.Response:
    _authorize(request)
    school_id, week = await _known_school(request), _week(request)
    added = await request.app[keys.POOL].fetchval(
        "INSERT INTO digest_holidays VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
        school_id,
        week,
    )
    return web.json_response({"school_id": school_id, "week": week}, status=201 if added else 200)


async def delete_holiday(request: web.Request) -> web.Response:
    _authorize(request)
    await request.app[keys.POOL].execute(
        "DELETE FROM digest_holidays WHERE school_id = $1 AND iso_week = $2",
        request.match_info["school_id"],
        _week(request),
    )
    return web.Response(status=204)


async def list_holidays(request: web.Request) -> web.Response:
    _authorize(request)
    rows = await request.app[keys.POOL].fetch(
        "SELECT iso_week FROM digest_holidays WHERE school_id = $1 ORDER BY iso_week",
        await _known_school(request),
    )
    return web.json_response({"weeks": [r["iso_week"] for r in rows]})


async def run_digest(request: web.Request) -> web.Response:
    """Send (or finish sending) a school's digest of a week now: ops and the demo."""
    _authorize(request)
    week = _week(request)
    try:
        outcome = await run_school_week(
            digest_job(request.app), request.match_info["school_id"], week
        )
    except UnknownSchool as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return web.json_response(asdict(outcome))


async def get_digest(request: web.Request) -> web.Response:
    """Where a school's run of a week stands: running (with its progress) or done."""
    _authorize(request)
    row = await request.app[keys.POOL].fetchrow(
        "SELECT school_id, iso_week AS week, status, total, done, queued, skipped, empty,"
        " started_at, finished_at FROM digest_runs WHERE school_id = $1 AND iso_week = $2",
        request.match_info["school_id"],
        _week(request),
    )
    if row is None:
        raise ApiError(404, "not_found", "this week's digest has not been started")
    return web.json_response({k: v.isoformat() if isinstance(v, datetime) else v
                              for k, v in dict(row).items()})  # fmt: skip


def routes() -> list[web.RouteDef]:
    base = "/internal/v1/schools/{school_id}"
    return [
        web.put(base + "/digest-settings", put_settings),
        web.get(base + "/holidays", list_holidays),
        web.put(base + "/holidays/{week}", put_holiday),
        web.delete(base + "/holidays/{week}", delete_holiday),
        web.post(base + "/digests/{week}", run_digest),
        web.get(base + "/digests/{week}", get_digest),
    ]
