"""Pure conversions between Stripe's objects and ours: amounts, payment states, balance history."""

from __future__ import annotations

from dataclasses import dataclass

import stripe

from billing.money import MINOR_UNITS
from gateways.payments.base import PaymentGatewayError, PaymentState, TransactionKind

# Decimal places Stripe uses for the currencies we hold. Neither KZT nor KGS is on Stripe's
# zero-decimal list (BIF, CLP, JPY, KRW, UGX, VND, XAF, ...), so Stripe counts them in
# tiyn / tyiyn exactly as ISO 4217 and our ledger do. A currency missing here is refused.
STRIPE_DECIMALS = {"KZT": 2, "KGS": 2}


class UnsupportedCurrency(PaymentGatewayError, ValueError):
    """Stripe cannot take (or we cannot book) an amount in this currency."""

    def __init__(self, currency: str, why: str = "is not a currency we take through Stripe"):
        super().__init__(f"{currency} {why}", provider="stripe", status="unsupported_currency")


def _shift(currency: str) -> int:
    if currency not in STRIPE_DECIMALS or currency not in MINOR_UNITS:
        raise UnsupportedCurrency(currency)
    return MINOR_UNITS[currency] - STRIPE_DECIMALS[currency]


def to_stripe(amount: int, currency: str) -> int:
    """Our minor units -> Stripe's `unit_amount` for `currency` (ISO code, any case)."""
    shift = _shift(currency.upper())
    if shift < 0:
        return amount * _scale(-shift)
    whole, rest = divmod(amount, _scale(shift))
    if rest:
        raise UnsupportedCurrency(currency, f"takes whole units only at Stripe, not {amount}")
    return whole


def from_stripe(amount: int, currency: str) -> int:
    """Stripe's amount in `currency` -> our minor units."""
    shift = _shift(currency.upper())
    return amount * _scale(shift) if shift >= 0 else amount // _scale(-shift)


def _scale(digits: int) -> int:
    return int(10**digits)


def session_state(
    status: str | None, payment_status: str, intent_status: str | None
) -> PaymentState:
    """A Checkout Session's state in our words; "succeeded" only once the money is in.

    A session is "complete" as soon as the payer submits; with delayed methods (bank
    debits) `payment_status` stays "unpaid" until the async payment settles.
    """
    if status == "expired":
        return "expired"
    if intent_status == "canceled":
        return "failed"
    paid = status == "complete" and payment_status == "paid"
    if paid and intent_status in (None, "succeeded"):
        return "succeeded"
    return "pending"


@dataclass(frozen=True)
class Movement:
    """One balance-history line about our money, before its Checkout Session is looked up."""

    kind: TransactionKind
    payment_intent: str | None
    reference: str  # refund or dispute id; "" for a payment
    amount: int  # our minor units, in the charge currency (not the settlement currency)
    currency: str


def movement(bt_type: str, source: object) -> Movement | None:
    """What a balance transaction with its `source` expanded means to us, None if nothing.

    Balance transactions are in the settlement currency; the source keeps what the payer
    was charged (KZT/KGS), which is what our ledger booked.
    """
    if isinstance(source, stripe.Charge) and bt_type in ("charge", "payment"):
        return _ours("payment", source.payment_intent, "", source.amount, source.currency)
    if isinstance(source, stripe.Refund) and bt_type in ("refund", "payment_refund"):
        return _ours("refund", source.payment_intent, source.id, source.amount, source.currency)
    if isinstance(source, stripe.Refund) and bt_type == "refund_failure":
        # The refund's money came back to us: the same refund, negative.
        return _ours("refund", source.payment_intent, source.id, -source.amount, source.currency)
    if isinstance(source, stripe.Dispute):
        return _ours("dispute", source.payment_intent, source.id, source.amount, source.currency)
    return None


def _ours(
    kind: TransactionKind,
    intent: str | stripe.PaymentIntent | None,
    reference: str,
    amount: int,
    currency: str,
) -> Movement | None:
    if currency.upper() not in STRIPE_DECIMALS:
        return None  # not a top-up of ours (another product on the same account)
    intent_id = intent.id if isinstance(intent, stripe.PaymentIntent) else intent
    return Movement(kind, intent_id, reference, from_stripe(amount, currency), currency.upper())
