"""Top-ups: a parent paying in advance through a payment gateway.

All functions work inside the caller's transaction. The flow: `create_top_up` (limits
checked) -> the gateway opens a payment -> `attach_payment` (pending) -> the gateway's
callback, verified and re-fetched, goes through `receive_payment_event` (recorded once,
then applied by `apply_payment_event`: the wallet is credited exactly once) -> refunds and
disputes later go the same way. `expire_pending` gives up on payments never finished.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from billing.errors import CurrencyMismatch
from billing.money import format_amount, require_positive
from billing.payment_events import ConflictingEvent, receive_payment_event, record_payment_event
from billing.topup_events import Outcome, apply_payment_event
from billing.topup_limits import (
    AmountOutOfRange,
    DailyLimitReached,
    TopUpLimits,
    check_currency,
    check_daily_limit,
)  # fmt: skip
from billing.topup_store import TopUp, insert, load, move
from billing.types import Conn
from gateways.payments.base import PaymentSession

__all__ = [
    "AmountOutOfRange",
    "ConflictingEvent",
    "DailyLimitReached",
    "Outcome",
    "TopUp",
    "TopUpLimits",
    "apply_payment_event",
    "attach_payment",
    "create_top_up",
    "expire_pending",
    "receive_payment_event",
    "record_payment_event",
]


async def create_top_up(
    conn: Conn,
    *,
    parent_id: str,
    amount: int,
    currency: str,
    gateway: str,
    limits: TopUpLimits,
    now: datetime,
) -> TopUp:
    require_positive(amount)
    if currency not in limits.minimum or currency not in limits.maximum:
        raise CurrencyMismatch(f"top-ups in {currency} are not accepted")
    low, high = limits.minimum[currency], limits.maximum[currency]
    if not low <= amount <= high:
        raise AmountOutOfRange(amount, currency, low, high)
    # Serialises one parent's requests: two of them cannot both pass the checks below.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('top_up:' || $1))", parent_id)
    await check_currency(conn, parent_id, currency)
    await check_daily_limit(conn, parent_id, amount, currency, limits, now)
    top_up = TopUp(
        uuid.uuid4(), parent_id, gateway, amount, currency, "created",
        None, None, 0, 0, 0, now, now,
    )  # fmt: skip
    await insert(conn, top_up, f"requested {format_amount(amount, currency)} via {gateway}")
    return top_up


async def attach_payment(conn: Conn, top_up_id: UUID, session: PaymentSession) -> TopUp:
    """The gateway opened the payment: remember its id and page; created -> pending."""
    top_up = await load(conn, top_up_id, lock=True)
    if top_up is None:
        raise LookupError(f"no top-up {top_up_id}")
    if top_up.status != "created":
        return top_up  # attached before (a retried request): keep the first payment
    await conn.execute(
        "UPDATE top_ups SET gateway_payment_id = $2, payment_url = $3 WHERE id = $1",
        top_up_id,
        session.gateway_payment_id,
        session.payment_url,
    )
    await move(conn, top_up, "pending", f"payment {session.gateway_payment_id} opened")
    found = await load(conn, top_up_id)
    assert found is not None
    return found


async def expire_pending(conn: Conn, now: datetime, ttl: timedelta) -> list[UUID]:
    """Give up on top-ups created more than `ttl` ago and never paid. A payment the gateway
    confirms later is still credited (expired -> succeeded)."""
    rows = await conn.fetch(
        "SELECT id FROM top_ups WHERE status IN ('created', 'pending') AND created_at < $1"
        " ORDER BY created_at FOR UPDATE SKIP LOCKED",
        now - ttl,
    )
    expired = []
    for row in rows:
        top_up = await load(conn, row["id"])
        assert top_up is not None
        await move(conn, top_up, "expired", f"not paid within {ttl}", at=now)
        expired.append(top_up.id)
    return expired
