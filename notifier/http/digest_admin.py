"""Internal API for the weekly digest: per-school schedule and window, holidays, re-runs.

Guarded like the rest of /internal/v1 (INTERNAL_API_TOKEN) and documented with it. A re-run
of a school's week resumes where it stopped and never sends anyone a second digest. A week is
refused before the school's send time of it (422 ``week_not_due``): a run closes its week.
"""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from notifier import keys
from notifier.digest.job import digest_job
from notifier.digest.run import run_school_week
from notifier.digest.schedule import BadWeek, WeekNotDue, week_monday
from notifier.digest.schools import UnknownSchool
from notifier.http.api.io import json_model
from notifier.http.auth import Role
from notifier.http.digest_admin_models import (
    DigestRunOut,
    DigestSettingsIn,
    DigestSettingsOut,
    HolidayOut,
    HolidaysOut,
    SchoolWeekPath,
)
from notifier.http.errors import ApiError
from notifier.http.internal_auth import authorize
from notifier.http.openapi import ApiRoute, api_routes


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
    authorize(request)
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
    return json_model(DigestSettingsOut(school_id=school_id, **body.model_dump()))


async def put_holiday(request: web.Request) -> web.Response:
    authorize(request)
    week, school_id = _week(request), await _known_school(request)
    await request.app[keys.POOL].execute(
        "INSERT INTO digest_holidays VALUES ($1, $2) ON CONFLICT DO NOTHING", school_id, week
    )
    return json_model(HolidayOut(school_id=school_id, week=week))


async def delete_holiday(request: web.Request) -> web.Response:
    authorize(request)
    await request.app[keys.POOL].execute(
        "DELETE FROM digest_holidays WHERE school_id = $1 AND iso_week = $2",
        request.match_info["school_id"],
        _week(request),
    )
    return web.Response(status=204)


async def list_holidays(request: web.Request) -> web.Response:
    authorize(request)
    rows = await request.app[keys.POOL].fetch(
        "SELECT iso_week FROM digest_holidays WHERE school_id = $1 ORDER BY iso_week",
        await _known_school(request),
    )
    return json_model(HolidaysOut(weeks=[r["iso_week"] for r in rows]))


async def run_digest(request: web.Request) -> web.Response:
    """Send (or finish sending) a school's digest of a week now: ops and the demo."""
    authorize(request)
    school_id, week = request.match_info["school_id"], _week(request)
    try:
        outcome = await run_school_week(digest_job(request.app), school_id, week)
    except UnknownSchool as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except WeekNotDue as exc:
        details = {"week": exc.week, "due_at": exc.due.isoformat()}
        raise ApiError(422, "week_not_due", str(exc), details) from exc
    return json_model(DigestRunOut(**asdict(outcome)))


async def get_digest(request: web.Request) -> web.Response:
    """Where a school's run of a week stands: running (with its progress) or done."""
    authorize(request)
    row = await request.app[keys.POOL].fetchrow(
        "SELECT school_id, iso_week AS week, status, total, done, queued, skipped, empty, combined,"
        " started_at, finished_at FROM digest_runs WHERE school_id = $1 AND iso_week = $2",
        request.match_info["school_id"],
        _week(request),
    )
    if row is None:
        raise ApiError(404, "not_found", "this week's digest has not been started")
    return json_model(DigestRunOut(**dict(row)))


SERVICE: tuple[Role, ...] = ("service",)  # INTERNAL_API_TOKEN, as the rest of /internal/v1
BASE = "/internal/v1/schools/{school_id}"
TABLE = [
    ApiRoute("PUT", BASE + "/digest-settings", put_settings,
             "A school's weekly digest: day, time, sending window, empty weeks",
             body=DigestSettingsIn, response=DigestSettingsOut, errors=(404, 503),
             roles=SERVICE, tag="internal"),
    ApiRoute("GET", BASE + "/holidays", list_holidays, "A school's weeks without a digest",
             response=HolidaysOut, errors=(503,), roles=SERVICE, tag="internal"),
    ApiRoute("PUT", BASE + "/holidays/{week}", put_holiday, "A week without school: no digest",
             response=HolidayOut, path_params=SchoolWeekPath, errors=(422, 503),
             roles=SERVICE, tag="internal"),
    ApiRoute("DELETE", BASE + "/holidays/{week}", delete_holiday, "A week with school again",
             status=204, path_params=SchoolWeekPath, errors=(422, 503), roles=SERVICE,
             tag="internal"),
    ApiRoute("POST", BASE + "/digests/{week}", run_digest,
             "Send or finish a school's weekly digest now (resumes; never twice). A week is"
             " refused (422 week_not_due, details.due_at) until its send time at the school"
             " (default Friday 18:00 local): a run closes the week, later marks would be lost",
             response=DigestRunOut, path_params=SchoolWeekPath, errors=(404, 422, 503),
             roles=SERVICE, tag="internal"),
    ApiRoute("GET", BASE + "/digests/{week}", get_digest, "Where a school's digest run stands",
             response=DigestRunOut, path_params=SchoolWeekPath, errors=(422, 503),
             roles=SERVICE, tag="internal"),
]  # fmt: skip


def routes() -> list[web.RouteDef]:
    return api_routes(TABLE)
