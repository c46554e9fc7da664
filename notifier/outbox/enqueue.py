"""Queueing a paid SMS: count parts, price it, hold the money, write the outbox row.

All in the caller's transaction, so the hold and the row that caused it commit together.
"""

from __future__ import annotations

from uuid import UUID

from billing.errors import InsufficientFunds
from billing.holds import place_hold
from billing.ledger import wallet_balance
from billing.tariffs import price, price_per_part
from billing.types import Conn
from notifier.handlers import HandlerContext
from notifier.outbox.lowbalance import check_low_balance
from notifier.outbox.recipients import Recipient
from notifier.sms.phones import phone_country
from notifier.sms.segments import count_parts


async def enqueue_paid_sms(
    conn: Conn,
    ctx: HandlerContext,
    *,
    event_id: UUID,
    kind: str,
    recipient: Recipient,
    body: str,
    tariffs: dict[tuple[str, str], int] | None = None,
) -> bool:
    """Queue one SMS for a recipient. Returns True when it was queued and its cost held;
    False when it was already queued before (a redelivered event) or the balance was short
    (then it is recorded as skipped, not sent and not charged). Pass the same `tariffs` dict
    for every recipient of one event: the tariff is then looked up once."""
    sms = count_parts(body)
    wallet = await wallet_balance(conn, recipient.parent_id)
    currency = wallet.currency if wallet else None
    cost = 0
    if currency is not None:
        cost = price(sms.parts, await _per_part(conn, ctx, currency, recipient.phone, tariffs))
    notification_id = await conn.fetchval(
        "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind, phone,"
        " body, encoding, parts, price, currency, status, next_attempt_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12)"
        " ON CONFLICT (event_id, subscription_id, kind) DO NOTHING RETURNING id",
        event_id,
        recipient.subscription_id,
        recipient.parent_id,
        recipient.pupil_id,
        kind,
        recipient.phone,
        body,
        sms.encoding,
        sms.parts,
        cost,
        currency,
        ctx.clock.now(),
    )
    if notification_id is None:
        return False
    return await _hold_or_skip(conn, ctx, notification_id, recipient.parent_id, cost)


async def _per_part(
    conn: Conn,
    ctx: HandlerContext,
    currency: str,
    phone: str,
    known: dict[tuple[str, str], int] | None,
) -> int:
    """The tariff in force; `known` remembers it across the recipients of one event."""
    key = (currency, phone_country(phone))
    if known is not None and key in known:
        return known[key]
    per_part = await price_per_part(conn, currency, ctx.clock.now(), key[1])
    if known is not None:
        known[key] = per_part
    return per_part


async def _hold_or_skip(
    conn: Conn, ctx: HandlerContext, notification_id: int, parent_id: str, cost: int
) -> bool:
    try:
        hold = await place_hold(
            conn,
            parent_id,
            cost,
            reference=f"notification:{notification_id}",
            expires_at=ctx.clock.now() + ctx.hold_ttl,
        )
    except InsufficientFunds as exc:
        await conn.execute(
            "UPDATE notifications SET status = 'skipped_insufficient_funds', last_error = $2"
            " WHERE id = $1",
            notification_id,
            str(exc),
        )
        if ctx.low_balance is not None:
            await check_low_balance(conn, parent_id, ctx.clock.now(), ctx.low_balance)
        return False
    await conn.execute(
        "UPDATE notifications SET hold_id = $2 WHERE id = $1", notification_id, hold.id
    )
    return True
