"""What a verified Stripe event asks of our top-ups, confirmed with Stripe itself.

Stripe calls happen here, before the delivery's database transaction opens, so no row
stays locked while we wait on the network. A refusal raises `Refusal`: nothing recorded.
"""

from __future__ import annotations

import uuid

import asyncpg
import stripe

from billing.payment_events import disagreement
from billing.topup_store import load
from billing.topups import attach_payment
from gateways.payments import PaymentEvent, PaymentSession
from gateways.payments.stripe import StripeGateway
from gateways.payments.stripe_events import (
    DISPUTE_EVENTS,
    GATEWAY,
    REFUND_EVENTS,
    SESSION_EVENTS,
    Charge,
    Dispute,
    Refund,
    Session,
    StripeEvent,
    counted_refunds,
    dispute_kind,
    payment_event,
    session_kind,
)
from notifier.topups.settled import Refusal


async def payment_events(
    event: StripeEvent, body: bytes, gateway: StripeGateway, pool: asyncpg.Pool
) -> list[PaymentEvent]:
    """What `event` asks of our top-ups; [] when it concerns none of them."""
    obj = event.data.object
    if event.type in SESSION_EVENTS:
        return await _session(event, Session.model_validate(obj), body, gateway, pool)
    if event.type in REFUND_EVENTS:
        return await _refunds(event, Charge.model_validate(obj), body, gateway, pool)
    if event.type in DISPUTE_EVENTS:
        return await _dispute(event, Dispute.model_validate(obj), body, gateway)
    return []


async def _session(
    event: StripeEvent, session: Session, body: bytes, gateway: StripeGateway, pool: asyncpg.Pool
) -> list[PaymentEvent]:
    kind = session_kind(event.type, session)
    if kind is None or session.top_up_id is None:
        return []  # a delayed payment still settling, or a session that is not a top-up
    amount = (session.amount_total or 0, session.currency or "")
    found = payment_event(event, kind, session.id, amount, body)
    await _adopt(pool, session)
    # The re-fetch is the status check: Stripe itself must say the money is in.
    problem = disagreement(found, await gateway.fetch_payment(session.id))
    if problem is not None:
        raise Refusal("disagrees", f"Stripe disagrees with {event.id}: {problem}")
    return [found]


async def _adopt(pool: asyncpg.Pool, session: Session) -> None:
    """Attach the session to its top-up if the request that opened it died before doing so."""
    try:
        top_up_id = uuid.UUID(session.top_up_id or "")
    except ValueError:
        return
    async with pool.acquire() as conn, conn.transaction():
        top_up = await load(conn, top_up_id)
        if top_up and top_up.gateway == GATEWAY and top_up.gateway_payment_id is None:
            await attach_payment(conn, top_up_id, PaymentSession(session.id, session.url or ""))


async def _refunds(
    event: StripeEvent, charge: Charge, body: bytes, gateway: StripeGateway, pool: asyncpg.Pool
) -> list[PaymentEvent]:
    payment = await _payment_of_charge(charge, gateway, pool)
    if payment is None:
        return []
    listed = charge.refunds
    if listed is not None and not listed.has_more:
        refunds = listed.data
    else:
        refunds = [_refund(r) for r in await gateway.charge_refunds(charge.id)]
    counted = counted_refunds(charge, refunds)
    if sum(r.amount for r in counted) < charge.amount_refunded:
        raise Refusal("disagrees", f"Stripe lists fewer refunds than charge {charge.id} shows")
    return [
        payment_event(event, "refunded", payment, (r.amount, r.currency), body, r.id)
        for r in counted
    ]


async def _payment_of_charge(
    charge: Charge, gateway: StripeGateway, pool: asyncpg.Pool
) -> str | None:
    """Our session id for a charge: by the top-up id Stripe copied onto it, else by asking."""
    ours = charge.metadata.get("top_up_id")
    if ours is None:
        intent = charge.payment_intent
        return await gateway.session_for_intent(intent) if intent else None
    try:
        async with pool.acquire() as conn:
            top_up = await load(conn, uuid.UUID(ours))
    except ValueError:
        top_up = None
    if top_up is None or top_up.gateway != GATEWAY or top_up.gateway_payment_id is None:
        raise Refusal("unknown_payment", f"charge {charge.id} names unknown top-up {ours!r}")
    return top_up.gateway_payment_id


def _refund(refund: stripe.Refund) -> Refund:
    charge = refund.charge.id if isinstance(refund.charge, stripe.Charge) else refund.charge
    return Refund(id=refund.id, amount=refund.amount, currency=refund.currency,
                  charge=charge, status=refund.status)  # fmt: skip


async def _dispute(
    event: StripeEvent, dispute: Dispute, body: bytes, gateway: StripeGateway
) -> list[PaymentEvent]:
    kind = dispute_kind(event.type, dispute)
    if kind is None or dispute.payment_intent is None:
        return []
    # A dispute names only its PaymentIntent; Stripe says which Checkout Session made it.
    session_id = await gateway.session_for_intent(dispute.payment_intent)
    if session_id is None:
        return []  # not paid through Checkout: not a top-up
    amount = (dispute.amount, dispute.currency)
    return [payment_event(event, kind, session_id, amount, body, dispute.id)]
