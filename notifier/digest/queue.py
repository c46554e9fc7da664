"""TEMPORARY stand-in for the lead's ``notifier.outbox.enqueue.enqueue_paid`` (same API).

Replaced by an import of the real one when main has it: this version prices and holds one
item at a time through ``enqueue_paid_sms`` and relies on the unique (event_id,
subscription_id, kind) of the outbox — the digest run's id is the event id — for at most one
digest per subscription and week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from billing.types import Conn
from notifier.handlers import HandlerContext
from notifier.outbox.enqueue import enqueue_paid_sms
from notifier.outbox.recipients import Recipient


@dataclass(frozen=True)
class PendingSms:
    event_id: UUID
    kind: str
    dedupe_key: str | None
    subscription_id: int
    parent_id: str
    pupil_id: str | None
    phone: str
    country: str
    body: str
    not_before: datetime | None = None


@dataclass
class EnqueueResult:
    queued: int
    skipped: int
    duplicates: int
    notification_ids: list[int]


@dataclass(frozen=True)
class _FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


async def enqueue_paid(
    conn: Conn, items: Sequence[PendingSms], *, now: datetime, hold_ttl: timedelta
) -> EnqueueResult:
    ctx = HandlerContext(clock=_FixedClock(now), max_parts=10, hold_ttl=hold_ttl)
    result = EnqueueResult(0, 0, 0, [])
    tariffs: dict[tuple[str, str], int] = {}
    for item in items:
        before = await conn.fetchval(
            "SELECT 1 FROM notifications WHERE event_id = $1 AND subscription_id = $2"
            " AND kind = $3",
            item.event_id,
            item.subscription_id,
            item.kind,
        )
        who = Recipient(
            item.subscription_id, item.parent_id, item.pupil_id or "", "", item.phone, ""
        )
        queued = await enqueue_paid_sms(
            conn, ctx, event_id=item.event_id, kind=item.kind, recipient=who, body=item.body,
            tariffs=tariffs,
        )  # fmt: skip
        if before:
            result.duplicates += 1
        elif queued:
            result.queued += 1
            await conn.execute(
                "UPDATE notifications SET next_attempt_at = $4 WHERE event_id = $1"
                " AND subscription_id = $2 AND kind = $3",
                item.event_id, item.subscription_id, item.kind, item.not_before or now,
            )  # fmt: skip
        else:
            result.skipped += 1
    return result
