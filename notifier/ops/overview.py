"""The dashboard figures: what is being sent now, what failed and why, what waits.

Each figure is one set-based statement over an index (migration 0012): the console is polled,
and it must stay cheap on an outbox of millions of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.types import Conn

RATE_WINDOW = timedelta(minutes=5)
FAILURE_WINDOW = timedelta(hours=1)

_SENT = """
SELECT coalesce(provider, 'unknown') AS provider, count(*) AS sent, sum(parts) AS parts
  FROM notifications WHERE status = 'sent' AND sent_at >= $1
 GROUP BY 1 ORDER BY 1
"""

# The class of a failure is read from the error the dispatcher recorded (notifier/outbox/
# settle.py): "rejected by <provider>: ..." is permanent, "gave up after N attempts: <provider>:
# ..." is retryable (it kept failing), an in-doubt SMS that could not be looked up is in_doubt.
_FAILED = r"""
SELECT coalesce(substring(last_error from '^rejected by ([^:]+):'),
                substring(last_error from '^gave up after \d+ attempts: ([^:]+):'),
                provider, '-') AS provider,
       CASE WHEN last_error LIKE 'rejected by %' THEN 'permanent'
            WHEN last_error LIKE 'gave up after %' THEN 'retryable'
            WHEN last_error LIKE 'in doubt%' THEN 'in_doubt'
            WHEN last_error = 'expired' THEN 'expired'
            ELSE 'other' END AS class,
       count(*) AS count
  FROM notifications WHERE status = 'failed' AND failed_at >= $1
 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2
"""

# The narrow queue alone (notifier/outbox/queue.py): a leased row is being sent.
_QUEUE = """
SELECT count(*) FILTER (WHERE lease_owner IS NULL AND due_at <= $1) AS due,
       count(*) FILTER (WHERE lease_owner IS NULL AND due_at > $1) AS later,
       count(*) FILTER (WHERE lease_owner IS NOT NULL) AS sending,
       count(*) FILTER (WHERE in_doubt) AS in_doubt,
       extract(epoch FROM $1::timestamptz
               - min(due_at) FILTER (WHERE lease_owner IS NULL AND due_at <= $1))
           AS oldest_due_seconds
  FROM outbox_queue
"""


@dataclass(frozen=True)
class ProviderRate:
    provider: str
    sent: int  # SMS accepted in the window
    parts: int
    per_minute: float


@dataclass(frozen=True)
class Failures:
    provider: str
    error_class: str  # permanent, retryable, in_doubt, expired, other
    count: int


@dataclass(frozen=True)
class Queue:
    due: int  # waiting to be sent now
    later: int  # waiting for a retry, the sending window or a grace period
    sending: int
    in_doubt: int
    oldest_due_seconds: float | None  # how long the oldest due SMS has waited


@dataclass(frozen=True)
class Overview:
    rates: list[ProviderRate]
    failures: list[Failures]
    queue: Queue


async def overview(conn: Conn, now: datetime) -> Overview:
    minutes = RATE_WINDOW.total_seconds() / 60
    rates = [
        ProviderRate(r["provider"], r["sent"], r["parts"], round(r["sent"] / minutes, 1))
        for r in await conn.fetch(_SENT, now - RATE_WINDOW)
    ]
    failures = [
        Failures(r["provider"], r["class"], r["count"])
        for r in await conn.fetch(_FAILED, now - FAILURE_WINDOW)
    ]
    return Overview(rates, failures, await queue(conn, now))


async def queue(conn: Conn, now: datetime) -> Queue:
    q = await conn.fetchrow(_QUEUE, now)
    assert q is not None  # an aggregate without GROUP BY always answers one row
    oldest = q["oldest_due_seconds"]
    return Queue(q["due"], q["later"], q["sending"], q["in_doubt"],
                 float(oldest) if oldest is not None else None)  # fmt: skip
