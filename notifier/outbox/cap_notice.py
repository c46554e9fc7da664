"""The free notice that a parent's monthly cap stopped an SMS: once per wallet and month.

Once: a row per (parent, month in the parent's zone) in cap_notices, inserted with the
notice in one savepoint, so a redelivered cause or a second batch the same month finds it
and sends nothing. If the notice cannot be queued (no tariff, ...) the savepoint is rolled
back with its row, the batch still commits, and the next SMS the cap stops tries again. The
notice is a house SMS (notifier/outbox/house.py): the parent never pays for it, and it never
counts against the cap.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

import asyncpg

from billing.errors import BillingError
from billing.money import format_amount
from billing.types import Conn
from notifier.outbox.caps import Cap, month_of
from notifier.outbox.house import queue_house_sms
from notifier.sms import texts

log = logging.getLogger(__name__)


async def tell_cap_reached(conn: Conn, capped: Mapping[str, Cap], now: datetime) -> int:
    """Queue the month's notice to each capped parent not yet told; returns how many were."""
    if not capped:
        return 0
    told = 0
    for parent_id, cap in sorted(capped.items()):
        try:
            async with conn.transaction():
                told += await _tell(conn, parent_id, cap, now)
        except (BillingError, ValueError, asyncpg.PostgresError):
            log.exception("cap notice for parent %s failed; retried at the next one", parent_id)
    return told


async def _tell(conn: Conn, parent_id: str, cap: Cap, now: datetime) -> int:
    month = month_of(now, cap.time_zone)
    first = await conn.fetchval(
        "INSERT INTO cap_notices (parent_id, month, notified_at) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        parent_id, month, now,
    )  # fmt: skip
    if not first:
        return 0
    sub = await conn.fetchrow(
        "SELECT id, pupil_id, phone, language FROM subscriptions"
        " WHERE parent_id = $1 AND phone_verified_at IS NOT NULL"
        " ORDER BY phone_verified_at DESC, id DESC LIMIT 1",
        parent_id,
    )
    if sub is None:
        return 1  # nowhere to send it: the page shows the cap reached
    body = texts.cap_reached(sub["language"], format_amount(cap.cap, cap.currency))
    notification_id = await queue_house_sms(
        conn, parent_id=parent_id, pupil_id=sub["pupil_id"], phone=sub["phone"],
        kind="cap_reached", body=body, now=now, subscription_id=sub["id"],
    )  # fmt: skip
    await conn.execute(
        "UPDATE cap_notices SET notification_id = $3 WHERE parent_id = $1 AND month = $2",
        parent_id, month, notification_id,
    )  # fmt: skip
    return 1
