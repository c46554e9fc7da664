"""Applying a gateway's payment events to a top-up and the parent's wallet.

The wallet is credited exactly once per (gateway, payment id): the ledger refuses a second
"top_up" transaction with the same reference, whatever the order or number of deliveries.
Events about one payment are applied one at a time (the top-up row is locked).
"""

from __future__ import annotations

import logging
from typing import Literal

from billing import ledger
from billing.errors import CurrencyMismatch
from billing.money import format_amount
from billing.refunds import posted_before, restore, take_back
from billing.topup_store import PAID, UNPAID, Status, TopUp, lock_by_payment, move
from billing.types import Conn
from gateways.payments.base import PaymentEvent

log = logging.getLogger(__name__)

Outcome = Literal[
    "credited",  # the wallet received the payment
    "already_applied",  # this payment, refund or dispute was applied before
    "failed",
    "expired",
    "refunded",  # money went back to the payer (partly or fully)
    "dispute_opened",
    "dispute_lost",
    "dispute_won",
    "ignored",  # an illegal transition for the top-up's state: nothing changed
    "mismatch",  # amount or currency differs from what we know: refused, nothing changed
    "unknown_payment",  # no top-up has this gateway payment id: refused, nothing changed
]
# Outcomes the sender must be told were refused (and which change nothing).
REFUSED: frozenset[str] = frozenset({"mismatch", "unknown_payment"})


async def apply_payment_event(conn: Conn, event: PaymentEvent) -> Outcome:
    """Apply one verified, re-fetched event inside the caller's transaction."""
    top_up = await lock_by_payment(conn, event.gateway, event.gateway_payment_id)
    if top_up is None:
        log.warning("payment event %s: no top-up for %s", event.event_id, _payment(event))
        return "unknown_payment"
    if event.currency != top_up.currency:
        return _mismatch(event, top_up, f"currency {event.currency} != {top_up.currency}")
    if event.kind == "succeeded":
        return await _succeeded(conn, event, top_up)
    if event.kind in ("failed", "expired"):
        return await _unpaid(conn, event, top_up)
    if event.kind == "dispute_opened":
        return await _dispute_opened(conn, event, top_up)
    if event.kind == "dispute_won":
        return await _dispute_won(conn, event, top_up)
    return await _taken_back(conn, event, top_up)  # refunded, dispute_lost


async def _succeeded(conn: Conn, event: PaymentEvent, top_up: TopUp) -> Outcome:
    if event.amount != top_up.amount:
        return _mismatch(event, top_up, f"amount {event.amount} != {top_up.amount}")
    try:
        credited = await ledger.credit_wallet(
            conn, top_up.parent_id, top_up.amount, top_up.currency,
            source=("gateway_clearing", top_up.gateway), kind="top_up",
            reference=f"{top_up.gateway}:{event.gateway_payment_id}", memo=f"top-up {top_up.id}",
        )  # fmt: skip
    except CurrencyMismatch as exc:  # paid late, after a top-up in another currency
        return _mismatch(event, top_up, f"{exc}; the payment must be refunded by hand")
    if credited is None:
        return "already_applied"
    if top_up.status in UNPAID:  # a paid top-up stays in its later state (refunded...)
        await move(conn, top_up, "succeeded", f"paid, event {event.event_id}")
    return "credited"


async def _unpaid(conn: Conn, event: PaymentEvent, top_up: TopUp) -> Outcome:
    if top_up.status not in ("created", "pending"):
        return _ignored(event, top_up)
    if event.kind == "failed":
        await move(conn, top_up, "failed", f"declined, event {event.event_id}")
        return "failed"
    await move(conn, top_up, "expired", f"expired, event {event.event_id}")
    return "expired"


async def _dispute_opened(conn: Conn, event: PaymentEvent, top_up: TopUp) -> Outcome:
    if top_up.status not in PAID or top_up.status == "disputed":
        return _ignored(event, top_up)
    await move(conn, top_up, "disputed", f"dispute {event.reference} opened")
    return "dispute_opened"


async def _taken_back(conn: Conn, event: PaymentEvent, top_up: TopUp) -> Outcome:
    """A refund, or a lost dispute: the money leaves the wallet (and beyond, as receivable)."""
    if top_up.status not in PAID or not event.reference:
        return _ignored(event, top_up)
    refund = event.kind == "refunded"
    kind = "refund" if refund else "dispute_lost"
    if await posted_before(conn, kind, event.reference):
        return "already_applied"
    left = top_up.amount - top_up.refunded_amount - top_up.disputed_amount
    if event.amount > left:
        return _mismatch(event, top_up, f"{event.kind} {event.amount} > {left} left to return")
    shortfall = await take_back(conn, top_up, kind, event.reference, event.amount)
    if shortfall is None:
        return "already_applied"
    reason = f"{kind} {event.reference}: {format_amount(event.amount, event.currency)}"
    if shortfall:
        reason += f", {format_amount(shortfall, event.currency)} beyond the balance is receivable"
    if not refund:
        await move(conn, top_up, "disputed", reason, disputed=event.amount, receivable=shortfall)
        return "dispute_lost"
    to = _after_refund(top_up, event.amount)
    await move(conn, top_up, to, reason, refunded=event.amount, receivable=shortfall)
    return "refunded"


def _after_refund(top_up: TopUp, amount: int) -> Status:
    if top_up.refunded_amount + amount == top_up.amount:
        return "refunded"
    return "disputed" if top_up.status == "disputed" else "partially_refunded"


async def _dispute_won(conn: Conn, event: PaymentEvent, top_up: TopUp) -> Outcome:
    if event.reference and await posted_before(conn, "dispute_won", event.reference):
        return "already_applied"
    if top_up.status != "disputed" or not event.reference:
        return _ignored(event, top_up)
    restored = await restore(conn, top_up, event.reference)
    if restored is None:
        return "already_applied"
    amount, recovered = restored
    # Another lost dispute on the same payment keeps the top-up disputed until it is won too.
    back: Status = "partially_refunded" if top_up.refunded_amount else "succeeded"
    if top_up.disputed_amount - amount > 0:
        back = "disputed"
    reason = f"dispute {event.reference} won: {format_amount(amount, event.currency)} back"
    await move(conn, top_up, back, reason, disputed=-amount, receivable=-recovered)
    return "dispute_won"


def _mismatch(event: PaymentEvent, top_up: TopUp, why: str) -> Outcome:
    log.error("payment event %s refused for top-up %s: %s", event.event_id, top_up.id, why)
    return "mismatch"


def _ignored(event: PaymentEvent, top_up: TopUp) -> Outcome:
    log.warning(
        "payment event %s (%s) ignored: top-up %s is %s",
        event.event_id,
        event.kind,
        top_up.id,
        top_up.status,
    )
    return "ignored"


def _payment(event: PaymentEvent) -> str:
    return f"{event.gateway}:{event.gateway_payment_id}"
