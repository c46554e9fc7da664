"""Events that name a pupil or class the roster has not brought yet wait here.

Roster and the other topics are different topics, so a homework or a parent link can arrive
before the pupil it names. Such an event is parked in the database in the same transaction as
its batch (so its offset can move on and nothing is lost), retried with backoff, applied as
soon as the roster catches up, and dead-lettered with the reason once it has waited
ROSTER_WAIT_SECONDS (notifier/unparking.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from aiokafka import ConsumerRecord

from billing.types import Conn

log = logging.getLogger(__name__)


async def park(
    conn: Conn, topic: str, record: ConsumerRecord, event_id: UUID, reason: str, now: datetime
) -> None:
    """Keep the record for a later try; parking it again only counts the attempt."""
    await conn.execute(
        'INSERT INTO parked_events (event_id, topic, partition, "offset", key, value, reason,'
        " parked_at, next_try_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz,"
        " $8::timestamptz + interval '1 s')"
        " ON CONFLICT (event_id) DO UPDATE SET attempts = parked_events.attempts + 1,"
        " reason = EXCLUDED.reason, next_try_at = $8 + make_interval(secs =>"
        " least(power(2, parked_events.attempts + 1), 30))",
        *(event_id, topic, record.partition, record.offset, record.key, record.value, reason),
        now,
    )
    log.info("parked %s@%s until the roster catches up: %s", record.topic, record.offset, reason)
