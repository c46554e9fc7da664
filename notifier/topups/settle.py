"""Every gateway callback but Stripe's ends the same way: verified and normalised to a
PaymentEvent by its view, it is confirmed with the gateway (re-fetched), then recorded and
applied once in one database transaction (billing.topups.receive_payment_event).
"""

from __future__ import annotations

import logging

from aiohttp import web

from billing.payment_events import ConflictingEvent, disagreement
from billing.topups import receive_payment_event
from gateways.payments import PaymentEvent, PaymentNotFound
from notifier import keys
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.settled import REFUSED, Settled, refused

log = logging.getLogger(__name__)


async def settle(app: web.Application, event: PaymentEvent, record: bytes) -> Settled:
    """Confirm a verified event with its gateway, then record and apply it once.

    Refused "unknown_payment" when the gateway does not know it, "disagrees" when the
    gateway's own view contradicts it, "conflict" for its id with another body.
    """
    gateway = app[PAYMENT_GATEWAYS][event.gateway]
    try:
        status = await gateway.fetch_payment(event.gateway_payment_id)
    except PaymentNotFound:
        log.warning("payment event %s: %s unknown to the gateway", event.event_id, event.kind)
        return refused("unknown_payment", f"{event.gateway} does not know this payment")
    problem = disagreement(event, status)
    if problem is not None:
        log.error("payment event %s refused: %s", event.event_id, problem)
        return refused("disagrees", problem)
    try:
        async with app[keys.POOL].acquire() as conn:
            outcome = await receive_payment_event(conn, event, record)
    except ConflictingEvent as exc:
        return refused("conflict", str(exc))
    if outcome is None:
        return Settled(repeat=True)
    if outcome in REFUSED:
        return refused(outcome, f"payment event refused: {outcome}")
    return Settled((outcome,))
