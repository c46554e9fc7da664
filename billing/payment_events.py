"""Gateway deliveries (webhooks, callbacks) received once: recorded by id, then applied.

Gateways deliver at least once and sometimes concurrently: the (gateway, event id) primary
key makes the second delivery wait for the first and then see it as a repeat.
"""

from __future__ import annotations

import hashlib
import logging

from billing.errors import BillingError
from billing.topup_events import REFUSED, Outcome, apply_payment_event
from billing.types import Conn
from gateways.payments.base import PaymentEvent, PaymentStatus

log = logging.getLogger(__name__)


class ConflictingEvent(BillingError):
    """A gateway event id seen before with a different body: refused, never applied."""


async def record_payment_event(conn: Conn, gateway: str, event_id: str, body: bytes) -> bool:
    """Remember a delivery: True the first time, False for a repeat of the same body.

    Raises ConflictingEvent when the id was seen with a different body.
    """
    digest = hashlib.sha256(body).hexdigest()
    inserted = await conn.fetchval(
        "INSERT INTO payment_events (gateway, event_id, body_sha256) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        gateway,
        event_id,
        digest,
    )
    if inserted:
        return True
    seen = await conn.fetchval(
        "SELECT body_sha256 FROM payment_events WHERE gateway = $1 AND event_id = $2",
        gateway,
        event_id,
    )
    if seen != digest:
        log.error("payment event %s:%s replayed with a different body", gateway, event_id)
        raise ConflictingEvent(f"event {event_id} of {gateway} was delivered with another body")
    return False


class EventRefused(BillingError):
    """Raised inside `receive_payment_event` to roll the delivery back."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(f"payment event refused: {outcome}")
        self.outcome = outcome


async def receive_payment_event(conn: Conn, event: PaymentEvent, body: bytes) -> Outcome | None:
    """Record and apply one delivery in its own transaction (savepoint if one is open).

    None: a repeat of a delivery already received. A refused outcome ("mismatch",
    "unknown_payment") is returned with nothing recorded, so a corrected retry still counts.
    """
    try:
        async with conn.transaction():
            if not await record_payment_event(conn, event.gateway, event.event_id, body):
                return None
            outcome = await apply_payment_event(conn, event)
            if outcome in REFUSED:
                raise EventRefused(outcome)
            return outcome
    except EventRefused as refused:
        return refused.outcome


def disagreement(event: PaymentEvent, status: PaymentStatus) -> str | None:
    """Why the gateway's own view (fetched directly) contradicts an event, or None.

    A payment is credited only if the gateway itself says it succeeded, for the same amount.
    """
    if event.kind == "succeeded":
        if status.state != "succeeded":
            return f"the gateway says the payment is {status.state}"
        if (status.amount, status.currency) != (event.amount, event.currency):
            return f"the gateway says {status.amount} {status.currency} was paid"
    if event.kind in ("failed", "expired") and status.state == "succeeded":
        return "the gateway says the payment succeeded"
    return None
