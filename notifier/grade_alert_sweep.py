"""The grade alerts job: bundles that are due are queued (notifier/grade_bundles.py), and
corrections that a later event of the same consumer batch superseded are withdrawn.

A handler sees only what earlier batches committed: when a grade is posted and changed (or
deleted) within one partition batch, both alerts are queued together at the batch's end. They
wait out the grace period (GRADE_ALERT_GRACE_MINUTES) before sending, and this job, run every
half minute, cancels the older of each grade's queued corrections per subscription (ids follow the
order of the events) and any alert of a grade deleted since, releasing their holds in the same
transaction. The usual case (the change arrives in a later batch) is handled by the handler
itself (notifier/handlers/grade_alerts.py).
"""

from __future__ import annotations

from aiohttp import web

from billing.batch_holds import release_holds
from billing.types import Conn
from notifier import keys
from notifier.grade_bundles import send_due_bundles
from notifier.handlers import HandlerContext
from notifier.outbox.queue import cancel_waiting
from notifier.transient import retry_transaction

_SUPERSEDED = """
WITH q AS (
    SELECT id, dedupe_key, regexp_replace(dedupe_key, ':[^:]*$', '') AS grade_key,
           row_number() OVER (PARTITION BY subscription_id,
                              regexp_replace(dedupe_key, ':[^:]*$', '') ORDER BY id DESC) AS rank
      FROM notifications WHERE status = 'queued' AND dedupe_key LIKE 'grade:%')
SELECT q.id FROM q LEFT JOIN grades g ON g.id = substr(q.grade_key, 7)
 WHERE q.rank > 1 OR (g.deleted AND q.dedupe_key NOT LIKE '%:deleted')
"""
_WHY = "replaced or withdrawn: the grade changed before the alert was sent"


async def withdraw_superseded(conn: Conn) -> int:
    """Cancel superseded grade alerts still waiting (not being sent) and release their holds
    (caller's transaction); returns how many were cancelled."""
    superseded = [r[0] for r in await conn.fetch(_SUPERSEDED)]
    rows = await cancel_waiting(conn, superseded, _WHY)
    await release_holds(conn, [(r["hold_id"], "grade alert withdrawn") for r in rows if r[1]])
    return len(rows)


async def sweep_grade_alerts(app: web.Application) -> None:
    """The scheduled job (notifier/jobs.py); a sweep chosen to break a deadlock runs again."""
    ctx = HandlerContext.from_settings(app[keys.SETTINGS], app[keys.CLOCK])

    async def sweep() -> int:
        async with app[keys.POOL].acquire() as conn, conn.transaction():
            await withdraw_superseded(conn)
            return await send_due_bundles(conn, ctx)

    retried = app[keys.METRICS].retries.labels("grade-alert-sweep")
    queued = await retry_transaction(sweep, what="grade-alert-sweep", on_retry=retried.inc)
    dispatcher = app.get(keys.DISPATCHER)
    if queued and dispatcher is not None:
        dispatcher.wakeup.set()  # the bundles go now rather than at the next poll
