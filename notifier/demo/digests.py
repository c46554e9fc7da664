"""The demo week's weekly digests: due when `make run` starts, and the console says
what became of them (sent by the scheduler, or by an earlier run), not what might happen."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession

from notifier.demo.school import SCHOOL_ID

ZONE = ZoneInfo("Asia/Almaty")  # the demo school's, as its roster says


def due_now(now: datetime) -> dict[str, Any]:
    """Digest settings that make the demo school's current week due already, so the
    scheduler's first tick (a minute after start, the week's grades applied by then) sends
    it, and let its paid SMS out at any hour (real schools: Friday 18:00, 09:00-20:00)."""
    at = now.astimezone(ZONE).replace(second=0, microsecond=0)
    return {"send_weekday": at.isoweekday(), "send_time": at.strftime("%H:%M"),
            "window_start": "00:00", "window_end": "00:00"}  # fmt: skip


def describe(run: dict[str, Any], since: datetime) -> str:
    """One console line for a finished run of the demo week (`GET …/digests/{week}`)."""
    week = run["week"]
    if run["status"] == "holiday":
        return f"demo: {week} is a holiday week: no weekly digests"
    finished = datetime.fromisoformat(run["finished_at"])
    if finished < since:
        when = finished.astimezone(ZONE).strftime("%d.%m %H:%M")
        return f"demo: the weekly digests of {week} went out earlier ({when} Almaty): none again"
    return (
        f"demo: weekly digests of {week} sent by the scheduler: {run['queued']} queued"
        f" (charged as they go out), {run['skipped']} skipped for balance,"
        f" {run['empty']} without marks"
    )


async def schedule_and_report(
    base_url: str, token: str, week: str, now: datetime, *, timeout: float = 180
) -> str:
    """Make the demo week due now, wait for the scheduler's run and describe it."""
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/internal/v1/schools/{SCHOOL_ID}"
    async with ClientSession(base_url, headers=headers) as http:
        (await http.put(f"{path}/digest-settings", json=due_now(now))).raise_for_status()
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            r = await http.get(f"{path}/digests/{week}")
            if r.status == 200 and (run := await r.json())["status"] != "running":
                return describe(run, now)
            await asyncio.sleep(1)
    return (
        f"demo: the weekly digests of {week} have not gone out after {timeout:.0f}s;"
        f" ask: .venv/bin/notifier digest --school {SCHOOL_ID} --week {week}"
    )
