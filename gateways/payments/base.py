"""The contract every payment gateway fulfils, and the normalised events it reports.

Amounts are integers in minor units with an ISO currency ("KZT", "KGS"), never floats.
A gateway never moves money in our ledger itself: the webhook/callback view verifies the
signature, normalises the delivery to a `PaymentEvent`, re-fetches the payment with
`fetch_payment` and hands the event to `billing.topups.apply_payment_event`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

from gateways.sms.base import GatewayError

PaymentState = Literal["pending", "succeeded", "failed", "expired"]
TransactionKind = Literal["payment", "refund", "dispute"]
EventKind = Literal[
    "succeeded", "failed", "expired", "refunded", "dispute_opened", "dispute_lost", "dispute_won"
]


@dataclass(frozen=True)
class PaymentRequest:
    """One top-up to collect. `idempotency_key` makes a retried create return the same payment."""

    top_up_id: UUID
    amount: int
    currency: str
    description: str
    return_url: str  # where the payer lands after paying
    cancel_url: str  # where the payer lands after declining or cancelling
    customer_ref: str  # our parent id
    idempotency_key: str


@dataclass(frozen=True)
class PaymentSession:
    """What the payer is sent to: the gateway's id for the payment and its payment page."""

    gateway_payment_id: str
    payment_url: str


@dataclass(frozen=True)
class PaymentStatus:
    """The gateway's own view of a payment, fetched directly (never taken from a callback)."""

    gateway_payment_id: str
    state: PaymentState
    amount: int
    currency: str


@dataclass(frozen=True)
class GatewayTransaction:
    """One money movement as the gateway lists it, for finance reconciliation.

    `reference` is the refund or dispute id ("" for a payment). `amount` is positive, but
    negative for money that came back under the same reference: a refund that failed after
    it was made, or a dispute's funds returned when it was won.
    """

    kind: TransactionKind
    gateway_payment_id: str
    reference: str
    amount: int
    currency: str
    occurred_at: datetime


@dataclass(frozen=True)
class PaymentEvent:
    """An inbound webhook/callback after its signature was verified, in our words.

    `event_id` is unique per gateway (the gateway's event id, or one derived from the
    delivery when the gateway has none); `reference` names the refund or dispute for those
    kinds and is None otherwise; `amount` is what the event is about (the payment, the
    refund, the disputed sum); `raw_sha256` is the hex SHA-256 of the delivered body.
    """

    event_id: str
    gateway: str
    kind: EventKind
    gateway_payment_id: str
    amount: int
    currency: str
    reference: str | None
    raw_sha256: str


class PaymentGateway(Protocol):
    """A payment gateway: creates payments, reports their state and lists transactions."""

    name: str

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        """Open a payment and return where to send the payer; PaymentGatewayError otherwise."""
        ...

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentStatus:
        """Ask the gateway for the payment's current state; called before crediting."""
        ...

    async def list_transactions(self, since: datetime, until: datetime) -> list[GatewayTransaction]:
        """Every payment, refund and dispute that happened in [since, until)."""
        ...

    async def close(self) -> None:
        """Release connections; called once at shutdown."""
        ...


class PaymentGatewayError(GatewayError):
    """Root of payment gateway errors: carries the gateway name, a status and the response."""


class InvalidSignature(PaymentGatewayError, ValueError):
    """A callback or response whose signature does not verify: refuse it, change nothing."""


class InvalidEvent(PaymentGatewayError, ValueError):
    """A callback or response that is signed but cannot be understood (missing fields...)."""


class PaymentNotFound(PaymentGatewayError, LookupError):
    """The gateway does not know this payment id."""
