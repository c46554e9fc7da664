"""Giving up on top-ups never paid: a scheduled job (notifier/jobs.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from billing.topups import expire_pending
from notifier import keys

log = logging.getLogger(__name__)


async def expire_top_ups(app: web.Application) -> int:
    """The scheduled job: give up on top-ups never paid within the configured time."""
    ttl = timedelta(minutes=app[keys.SETTINGS].top_up_pending_ttl_minutes)
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        expired = await expire_pending(conn, app[keys.CLOCK].now(), ttl)
    if expired:
        log.info("expired %d unpaid top-ups", len(expired))
    return len(expired)
