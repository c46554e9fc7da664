"""Stripe webhook payloads (v1 snapshot events) read into our words; pure, no I/O.

Only the fields we act on are modelled; everything else in Stripe's objects is ignored.
What links an event to our top-up is what we put into Stripe ourselves and Stripe signed
back: `client_reference_id` / metadata `top_up_id` on sessions and (copied by Stripe from the
PaymentIntent) on charges. Disputes carry neither, only their PaymentIntent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict

from gateways.payments.base import EventKind, PaymentEvent
from gateways.payments.stripe_mapping import from_stripe

GATEWAY = "stripe"
SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
DISPUTE_EVENTS = frozenset({"charge.dispute.created", "charge.dispute.closed"})
REFUND_EVENTS = frozenset({"charge.refunded"})


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventData(_Object):
    object: dict[str, Any]


class StripeEvent(_Object):
    id: str
    type: str
    data: EventData


class Session(_Object):
    id: str
    amount_total: int | None = None
    currency: str | None = None
    client_reference_id: str | None = None
    metadata: dict[str, str] = {}
    payment_status: str
    payment_intent: str | None = None
    url: str | None = None

    @property
    def top_up_id(self) -> str | None:
        return self.client_reference_id or self.metadata.get("top_up_id")


class Refund(_Object):
    id: str
    amount: int
    currency: str
    charge: str | None = None
    # pending refunds have already left our Stripe balance; failed/canceled ones came back.
    status: str | None = None

    @property
    def counts(self) -> bool:
        return self.status in (None, "succeeded", "pending", "requires_action")


class RefundList(_Object):
    data: list[Refund]
    has_more: bool = False


class Charge(_Object):
    id: str
    amount_refunded: int
    currency: str
    payment_intent: str | None = None
    metadata: dict[str, str] = {}
    # Present only for API versions before 2022-11-15 (or when expanded): else re-fetched.
    refunds: RefundList | None = None


class Dispute(_Object):
    id: str
    amount: int
    currency: str
    payment_intent: str | None = None
    status: str


def session_kind(event_type: str, session: Session) -> EventKind | None:
    """What a session event means; None while a delayed payment has not settled."""
    if event_type == "checkout.session.completed":
        return "succeeded" if session.payment_status == "paid" else None
    return {
        "checkout.session.async_payment_succeeded": "succeeded",
        "checkout.session.async_payment_failed": "failed",
        "checkout.session.expired": "expired",
    }.get(event_type)  # type: ignore[return-value]


def dispute_kind(event_type: str, dispute: Dispute) -> EventKind | None:
    """Opened, lost or won; an inquiry closed without a chargeback ("warning_closed") is None."""
    if event_type == "charge.dispute.created":
        return "dispute_opened"
    return {"lost": "dispute_lost", "won": "dispute_won"}.get(dispute.status)  # type: ignore[return-value]


def counted_refunds(charge: Charge, refunds: list[Refund]) -> list[Refund]:
    """The refunds of this charge that took money back, oldest first."""
    mine = [r for r in refunds if r.counts and r.charge in (None, charge.id)]
    return list(reversed(mine))  # Stripe lists newest first


def payment_event(
    event: StripeEvent,
    kind: EventKind,
    gateway_payment_id: str,
    amount: tuple[int, str],
    body: bytes,
    reference: str | None = None,
) -> PaymentEvent:
    """A PaymentEvent from Stripe's (amount, lowercase currency); one per refund named."""
    stripe_amount, currency = amount
    # One charge.refunded may name several refunds: each gets an id of its own.
    return PaymentEvent(
        event_id=f"{event.id}:{reference}" if kind == "refunded" else event.id,
        gateway=GATEWAY,
        kind=kind,
        gateway_payment_id=gateway_payment_id,
        amount=from_stripe(stripe_amount, currency),
        currency=currency.upper(),
        reference=reference,
        raw_sha256=hashlib.sha256(body).hexdigest(),
    )
