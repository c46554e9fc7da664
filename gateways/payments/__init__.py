"""Pluggable payment gateways.

Adding a gateway: write one module with a class satisfying `PaymentGateway`; its callback
or webhook view (notifier/http/payments/) verifies the signature (raise `InvalidSignature`),
normalises the delivery to a `PaymentEvent` and hands it to `notifier.topups.settle.settle`,
which re-fetches the payment (`fetch_payment`), then records and applies the event once, in
one transaction, and answers `Settled`. Then add a factory to
`notifier.topups.gateways.PAYMENT_GATEWAYS`.
"""

from gateways.payments.base import (
    EventKind,
    GatewayTransaction,
    InvalidEvent,
    InvalidSignature,
    PaymentEvent,
    PaymentGateway,
    PaymentGatewayError,
    PaymentNotFound,
    PaymentRequest,
    PaymentSession,
    PaymentState,
    PaymentStatus,
    TransactionKind,
)

__all__ = [
    "EventKind",
    "GatewayTransaction",
    "InvalidEvent",
    "InvalidSignature",
    "PaymentEvent",
    "PaymentGateway",
    "PaymentGatewayError",
    "PaymentNotFound",
    "PaymentRequest",
    "PaymentSession",
    "PaymentState",
    "PaymentStatus",
    "TransactionKind",
]
