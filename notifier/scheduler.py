"""Scheduled jobs (APScheduler). Jobs are plain async functions of the app, listed with their
triggers in notifier/jobs.py."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[web.Application], Awaitable[Any]]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    job: Job
    trigger: str  # "interval" or "cron"
    options: dict[str, Any]


def build_scheduler(app: web.Application, jobs: list[ScheduledJob]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for spec in jobs:
        scheduler.add_job(
            _guarded(spec, app),
            spec.trigger,
            id=spec.name,
            coalesce=True,  # after downtime run once, not once per missed slot
            max_instances=1,
            misfire_grace_time=300,
            **spec.options,
        )
    return scheduler


def _guarded(spec: ScheduledJob, app: web.Application) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await spec.job(app)
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next slot", spec.name)

    return run
