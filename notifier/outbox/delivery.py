"""Delivery reports: record what finally happened to an SMS, and apply the money policy.

A sent SMS ends `delivered` (the charge stays) or not: `undeliverable` (the phone could not
be reached), `expired` (its validity ran out at the operator) or `failed` (the operator
refused it after accepting). The three are recorded as they are and treated alike for money:
refunded once under UNDELIVERABLE_POLICY=refund, kept under `keep`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from billing.delivery import refund_undelivered
from billing.types import Conn
from gateways.sms.reports import FinalStatus

DeliveryStatus = FinalStatus
UndeliverablePolicy = Literal["refund", "keep"]


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
    row = await conn.fetchrow(
        "UPDATE notifications SET delivery_status = $3, delivery_reported_at = $4,"
        " delivery_detail = $5 WHERE provider = $1 AND provider_message_id = $2"
        " AND delivery_status IS NULL RETURNING hold_id",
        provider,
        provider_message_id,
        status,
        at,
        detail,
    )
    if row is None:
        known = await conn.fetchval(
            "SELECT 1 FROM notifications WHERE provider = $1 AND provider_message_id = $2",
            provider,
            provider_message_id,
        )
        return "duplicate" if known else "unknown_message"
    refundable = status != "delivered" and policy == "refund" and row["hold_id"] is not None
    if refundable and await refund_undelivered(conn, row["hold_id"]) is not None:
        return "refunded"
    return "recorded"
