"""The months ahead of the outbox and the ledger's entries, partitioned by month (UTC).

Each parent also has a DEFAULT partition, so an insert never fails for want of its month;
a month created later takes its rows out of DEFAULT (SQL `create_month_partition`, 0022).
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from billing.types import Conn
from notifier import keys

log = logging.getLogger(__name__)

PARTITIONED = ("notifications", "ledger_entries")
MONTHS_AHEAD = 3  # this month and the next two: a month of slack if the job stops running


async def create_partitions(conn: Conn, now: datetime, months: int = MONTHS_AHEAD) -> int:
    """Create the partitions of the `months` months from `now`'s on, for every partitioned
    table; returns how many were missing. Safe to run any number of times, from any instance."""
    made = 0
    for parent in PARTITIONED:
        made += await conn.fetchval(
            "SELECT create_month_partitions($1, $2, $3)", parent, now, months
        )
    return made


async def create_partitions_ahead(app: web.Application) -> int:
    """Scheduled job (notifier/jobs.py)."""
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        # Creating a partition locks its parent: rather give up (and try at the next run,
        # months ahead) than queue every SMS behind a long transaction.
        await conn.execute("SET LOCAL lock_timeout = '5s'")
        made = await create_partitions(conn, app[keys.CLOCK].now())
    if made:
        log.info("created %d monthly partition(s) ahead", made)
    return made
