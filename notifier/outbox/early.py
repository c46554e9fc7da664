"""Receipts that overtake the dispatcher: an SMSC may send a receipt before the batch that
submitted the SMS is settled (the message id is recorded at settlement). Such a receipt is
kept in `early_reports` and applied by `settle` in the transaction that records the id.

Both sides take one transaction-level advisory lock per (provider, message id), so a
receipt that found no message either commits its early row before the settlement looks
for it, or waits for the settlement and then finds the message. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from billing.types import Conn
from gateways.sms.reports import FinalStatus
from notifier.outbox.delivery import UndeliverablePolicy, apply_delivery_report

KEEP_DAYS = 7  # a receipt nobody claimed by then is about a message we never recorded
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 19))"
_LOCK_MANY = (
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT"
    " hashtextextended(p || '/' || m, 19) AS k FROM unnest($1::text[], $2::text[]) AS d(p, m)"
    " ORDER BY 1) AS keys"
)


async def lock_message(conn: Conn, provider: str, provider_message_id: str) -> None:
    await conn.execute(_LOCK, provider, provider_message_id)


async def keep_early(
    conn: Conn, provider: str, provider_message_id: str, status: FinalStatus,
    detail: str | None, at: datetime,
) -> None:  # fmt: skip
    """Keep a receipt for a message not recorded yet (the caller holds `lock_message`)."""
    await conn.execute(
        "INSERT INTO early_reports (provider, provider_message_id, status, detail, reported_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        provider, provider_message_id, status, detail, at,
    )  # fmt: skip
    await conn.execute(
        "DELETE FROM early_reports WHERE received_at < now() - make_interval(days => $1)",
        KEEP_DAYS,
    )


async def apply_early(
    conn: Conn, sent: Sequence[tuple[str, str]], policy: UndeliverablePolicy
) -> int:
    """Apply the kept receipts of messages whose ids were just recorded, in the caller's
    transaction; returns how many."""
    if not sent:
        return 0
    providers, ids = [p for p, _ in sent], [m for _, m in sent]
    await conn.execute(_LOCK_MANY, providers, ids)
    rows = await conn.fetch(
        "DELETE FROM early_reports e USING unnest($1::text[], $2::text[]) AS d(p, m)"
        " WHERE e.provider = d.p AND e.provider_message_id = d.m"
        " RETURNING e.provider, e.provider_message_id, e.status, e.detail, e.reported_at",
        providers, ids,
    )  # fmt: skip
    for r in rows:
        await apply_delivery_report(
            conn, provider=r["provider"], provider_message_id=r["provider_message_id"],
            status=r["status"], detail=r["detail"], at=r["reported_at"], policy=policy,
        )  # fmt: skip
    return len(rows)
