"""Every gateway callback ends the same way: verified and normalised to a PaymentEvent by
its view, it is confirmed with the gateway (re-fetched), then recorded and applied once in
one database transaction (billing.topups.receive_payment_event).
"""

from __future__ import annotations

import logging

from aiohttp import web

from billing.payment_events import ConflictingEvent, disagreement
from billing.topup_events import Outcome
from billing.topups import receive_payment_event
from gateways.payments import PaymentEvent, PaymentNotFound
from notifier import keys
from notifier.topups.keys import PAYMENT_GATEWAYS

log = logging.getLogger(__name__)

# Outcomes the sender is told were refused: nothing changed.
REFUSED = frozenset({"unknown_payment", "disagrees", "conflict", "mismatch"})


async def settle(app: web.Application, event: PaymentEvent, record: bytes) -> Outcome | str:
    """Confirm a verified event with its gateway, then record and apply it once.

    Returns the outcome; "duplicate" for a repeat, "conflict" for the same event id with
    another body, "disagrees" when the gateway's own view contradicts the event.
    """
    gateway = app[PAYMENT_GATEWAYS][event.gateway]
    try:
        status = await gateway.fetch_payment(event.gateway_payment_id)
    except PaymentNotFound:
        log.warning("payment event %s: %s unknown to the gateway", event.event_id, event.kind)
        return "unknown_payment"
    problem = disagreement(event, status)
    if problem is not None:
        log.error("payment event %s refused: %s", event.event_id, problem)
        return "disagrees"
    try:
        async with app[keys.POOL].acquire() as conn:
            outcome = await receive_payment_event(conn, event, record)
    except ConflictingEvent:
        return "conflict"
    return "duplicate" if outcome is None else outcome
