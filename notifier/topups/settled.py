"""What became of a gateway's message about a payment: one answer for every gateway."""

from __future__ import annotations

from dataclasses import dataclass

from billing.topup_events import REFUSED as APPLY_REFUSED

# Outcomes that refuse a message: nothing was recorded, so the gateway's retry is judged
# afresh. Billing refuses some as it applies an event (mismatch, unknown_payment); the others
# come from around it: the gateway's own view disagrees, the event id came with another
# body, or a refund arrived before its payment.
REFUSED: frozenset[str] = APPLY_REFUSED | {"disagrees", "conflict", "not_paid_yet"}


@dataclass(frozen=True)
class Settled:
    """`outcomes`: what each payment event in the message did (billing's Outcome), in order;
    none when it concerns no top-up. `repeat`: received before, nothing done again.
    `refused`: one of REFUSED, `why` in words; nothing was recorded."""

    outcomes: tuple[str, ...] = ()
    repeat: bool = False
    refused: str | None = None
    why: str = ""

    @property
    def outcome(self) -> str:
        """One word for a message about one payment event."""
        if self.refused is not None:
            return self.refused
        if self.repeat:
            return "duplicate"
        return self.outcomes[0] if self.outcomes else "ignored"


def refused(outcome: str, why: str) -> Settled:
    return Settled(refused=outcome, why=why)


class Refusal(Exception):
    """Raised inside a use case to stop, and roll back, a message being refused; the use case
    answers it as `refused(outcome, why)`. Never leaves notifier.topups."""

    def __init__(self, outcome: str, why: str) -> None:
        super().__init__(why)
        self.outcome = outcome
