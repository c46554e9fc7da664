"""What became of an SMS and of its money, in README's one status model ("What happened to
an SMS"), from the outbox row's `status`, its `delivery_status` and the ledger (pure).

A row `sent` only says a provider accepted it: the operator's report may later say it never
reached the phone, and then its money went back. Anything shown to a person (the ops
console) says the outcome and the money, never the bare row status.
"""

from __future__ import annotations

from typing import Literal

Outcome = Literal[
    "queued",  # waiting (window, retry, grace, a lookup after a lost answer), or being sent
    "submitted",  # a provider accepted it; no final report yet
    "delivered",
    "undeliverable",
    "expired",
    "failed",  # refused by the operator after acceptance, or never accepted by any provider
    "cancelled",  # an alert withdrawn before sending
    "skipped_insufficient_funds",
    "skipped_cap",  # the parent's monthly cap would have been crossed
]
Money = Literal[
    "held",  # on hold while it waits
    "charged",  # captured: accepted, delivered, or undeliverable under UNDELIVERABLE_POLICY=keep
    "refunded",  # captured, then given back after an undeliverable/expired/failed report
    "released",  # its hold was released: never sent, nothing charged
    "not_charged",  # never held: the balance was short, or the monthly cap reached
    "paid_by_house",  # a service SMS (verification code, low-balance notice)
]
_WAITING = frozenset({"queued", "sending"})
_SKIPPED = ("skipped_insufficient_funds", "skipped_cap")
_FINAL_REPORTS = frozenset({"delivered", "undeliverable", "expired", "failed"})


def outcome(status: str, delivery_status: str | None) -> Outcome:
    if status in _WAITING:
        return "queued"
    if status == "sent":
        if delivery_status in _FINAL_REPORTS:
            return delivery_status  # type: ignore[return-value]
        return "submitted"
    if status in ("failed", "cancelled", *_SKIPPED):
        return status  # type: ignore[return-value]
    raise ValueError(f"unknown SMS status {status!r}")


def money(status: str, *, held: bool, refunded: bool) -> Money:
    """`held`: the SMS had a hold on the parent's wallet; `refunded`: its charge was given
    back (billing.delivery.refund_undelivered)."""
    if status in _SKIPPED:
        return "not_charged"
    if not held:
        return "paid_by_house"
    if status in _WAITING:
        return "held"
    if status == "sent":
        return "refunded" if refunded else "charged"
    return "released"
