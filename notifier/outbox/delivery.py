"""Delivery reports: record what finally happened to an SMS, and apply the money policy.

A sent SMS ends `delivered` (the charge stays) or not: `undeliverable` (the phone could not
be reached), `expired` (its validity ran out at the operator) or `failed` (the operator
refused it after accepting). The three are recorded as they are and treated alike for money:
refunded once under UNDELIVERABLE_POLICY=refund, kept under `keep`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from billing.delivery import refund_undelivered
from billing.types import Conn
from gateways.sms.reports import FinalStatus

DeliveryStatus = FinalStatus
UndeliverablePolicy = Literal["refund", "keep"]


# The outbox is partitioned by month of created_at: a report is looked for first among the
# SMS queued in the month before it (two partitions, where nearly every report lands), and
# only if not found there in every month kept. A provider's message id says nothing of when.
_RECENT = timedelta(days=31)
_RECORD = """
UPDATE notifications SET delivery_status = $3, delivery_reported_at = $4, delivery_detail = $5
 WHERE provider = $1 AND provider_message_id = $2 AND created_at >= $6
   AND delivery_status IS NULL
RETURNING hold_id
"""
# Whether the message is known, and reported already. An UPDATE sees the rows committed when
# it began: a settlement recording the message's id may commit between it and this look.
_KNOWN = """
SELECT delivery_status IS NOT NULL FROM notifications
 WHERE provider = $1 AND provider_message_id = $2 AND created_at >= $3 LIMIT 1
"""


async def apply_delivery_report(
    conn: Conn,
    *,
    provider: str,
    provider_message_id: str,
    status: DeliveryStatus,
    detail: str | None,
    at: datetime,
    policy: UndeliverablePolicy,
) -> Literal["recorded", "refunded", "duplicate", "unknown_message"]:
    """Idempotent: the first report for a message counts; later ones change nothing.
    Must run inside the caller's transaction (the refund commits with the report)."""
    args = (provider, provider_message_id, status, at, detail)
    for since in (at - _RECENT, _EVER):
        row = await conn.fetchrow(_RECORD, *args, since)
        if row is not None:
            break
        reported = await conn.fetchval(_KNOWN, provider, provider_message_id, since)
        if reported is None:
            continue
        # Recorded since the UPDATE began and not reported yet: this report is its first.
        row = None if reported else await conn.fetchrow(_RECORD, *args, since)
        if row is None:
            return "duplicate"
        break
    else:
        return "unknown_message"
    refundable = status != "delivered" and policy == "refund" and row["hold_id"] is not None
    if refundable and await refund_undelivered(conn, row["hold_id"]) is not None:
        return "refunded"
    return "recorded"


_EVER = datetime.min.replace(tzinfo=UTC)
