"""Delivery reports from every provider, in one status model.

Providers speak their own dialects (SMPP `stat:DELIVRD`, Mobizon `DELIVRD`, Nikita report
code 3); each module maps them onto `ReportStatus`: `queued` and `submitted` while the
message is on its way, then one final status - `delivered`, `undeliverable` (the phone
could not be reached), `expired` (its validity ran out at the operator) or `failed` (the
operator refused it after accepting). Only final ones reach the outbox, as they are
(`apply_delivery_report`; README "What happened to an SMS").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, TypeGuard, get_args

FinalStatus = Literal["delivered", "undeliverable", "expired", "failed"]
ReportStatus = Literal["queued", "submitted", FinalStatus]

FINAL: Final[frozenset[ReportStatus]] = frozenset(get_args(FinalStatus))


def is_final(status: ReportStatus) -> TypeGuard[FinalStatus]:
    return status in FINAL


@dataclass(frozen=True)
class Report:
    """What a provider said about one of our messages (by its own message id)."""

    provider: str
    provider_message_id: str
    status: ReportStatus
    at: datetime
    detail: str | None = None

    @property
    def final(self) -> bool:
        return is_final(self.status)

    @property
    def final_status(self) -> FinalStatus | None:
        """What the outbox records, or None while the message is on its way."""
        return self.status if is_final(self.status) else None


ReportSink = Callable[[Report], Awaitable[None]]
"""Where a provider that is *pushed* reports (SMPP receipts) hands them; the app wires it to
`apply_delivery_report` in a transaction."""
