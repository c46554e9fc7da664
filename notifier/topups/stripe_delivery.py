"""A Stripe event, delivered: confirmed with Stripe (stripe_asks), then recorded and applied
once, in one transaction, and answered as `Settled` like every gateway's message.
"""

from __future__ import annotations

import logging

import asyncpg
from aiohttp import web

from billing.payment_events import ConflictingEvent, record_payment_event
from billing.topup_events import Outcome, apply_payment_event
from billing.topup_store import PAID, lock_by_payment
from gateways.payments import PaymentEvent, PaymentGatewayError, PaymentNotFound
from gateways.payments.stripe import StripeGateway
from gateways.payments.stripe_events import GATEWAY, StripeEvent
from notifier import keys
from notifier.topups.errors import NotConfirmed
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.settled import REFUSED, Refusal, Settled, refused
from notifier.topups.stripe_asks import payment_events

log = logging.getLogger(__name__)
AFTER_PAYMENT = frozenset({"refunded", "dispute_opened", "dispute_lost", "dispute_won"})


def stripe_gateway(app: web.Application) -> StripeGateway | None:
    """The Stripe gateway, if this service is configured to take Stripe payments."""
    gateway = app[PAYMENT_GATEWAYS].get(GATEWAY)
    return gateway if isinstance(gateway, StripeGateway) else None


async def receive(app: web.Application, event: StripeEvent, body: bytes) -> Settled:
    """Apply a verified Stripe event exactly once: applied, a repeat, or refused (nothing
    recorded, so Stripe's retry is judged afresh). NotConfirmed when Stripe cannot be asked.
    """
    gateway, pool = stripe_gateway(app), app[keys.POOL]
    if gateway is None:
        raise LookupError("Stripe is not configured")
    try:
        found = await payment_events(event, body, gateway, pool)
        outcomes = await _apply_once(pool, event.id, body, found) if found else []
    except Refusal as exc:
        log.warning("stripe event %s (%s) refused: %s", event.id, event.type, exc)
        return refused(exc.outcome, str(exc))
    except ConflictingEvent as exc:
        return refused("conflict", str(exc))
    except PaymentNotFound:
        return refused("unknown_payment", "Stripe does not know this payment")
    except PaymentGatewayError as exc:
        log.error("stripe event %s: could not confirm with Stripe: %s", event.id, exc)
        raise NotConfirmed("could not confirm the event with Stripe") from exc
    return Settled(repeat=True) if outcomes is None else Settled(tuple(outcomes))


async def _apply_once(
    pool: asyncpg.Pool, event_id: str, body: bytes, events: list[PaymentEvent]
) -> list[Outcome] | None:
    """Record the delivery and apply its events in one transaction; None for a repeat."""
    async with pool.acquire() as conn, conn.transaction():
        if not await record_payment_event(conn, GATEWAY, event_id, body):
            return None
        # One payment per event, locked until commit (apply_payment_event locks it again).
        top_up = await lock_by_payment(conn, GATEWAY, events[0].gateway_payment_id)
        if top_up and top_up.status not in PAID and events[0].kind in AFTER_PAYMENT:
            # Stripe does not promise order: a refund may overtake its payment. Its retry
            # comes after the payment has been applied.
            raise Refusal("not_paid_yet", f"top-up {top_up.id} is {top_up.status}")
        outcomes = []
        for found in events:
            outcome = await apply_payment_event(conn, found)
            if outcome in REFUSED:
                raise Refusal(outcome, f"{found.kind} {found.reference or ''} refused: {outcome}")
            outcomes.append(outcome)
        return outcomes
