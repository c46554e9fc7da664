"""Pluggable payment gateways.

Adding a gateway: write one module with a class satisfying `PaymentGateway`; its callback
or webhook view verifies the signature (raise `InvalidSignature`), normalises the delivery
to a `PaymentEvent`, re-fetches the payment (`fetch_payment`) and applies the event with
`billing.topups.apply_payment_event` after `record_payment_event`, all in one transaction.
Then add a factory to `notifier.topups.gateways.PAYMENT_GATEWAYS`.
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
