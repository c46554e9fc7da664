"""Delivery reports from every provider, in one status model.

Providers speak their own dialects (SMPP `stat:DELIVRD`, Mobizon `DELIVRD`, Nikita report
code 3); each module maps them onto `ReportStatus`. Only final states reach the ledger:
`apply_delivery_report` knows "delivered" and "undeliverable" today, so `expired` and `failed`
are passed as "undeliverable" with the original state kept in `detail`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

ReportStatus = Literal["queued", "submitted", "delivered", "undeliverable", "expired", "failed"]
LedgerStatus = Literal["delivered", "undeliverable"]

FINAL: Final[frozenset[ReportStatus]] = frozenset(
    {"delivered", "undeliverable", "expired", "failed"}
)


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
        return self.status in FINAL

    @property
    def ledger_status(self) -> LedgerStatus | None:
        """What `apply_delivery_report` is told, or None while the message is on its way."""
        if not self.final:
            return None
        return "delivered" if self.status == "delivered" else "undeliverable"

    @property
    def ledger_detail(self) -> str | None:
        if self.status in ("expired", "failed"):
            return f"{self.status}: {self.detail}" if self.detail else self.status
        return self.detail


ReportSink = Callable[[Report], Awaitable[None]]
"""Where a provider that is *pushed* reports (SMPP receipts) hands them; the app wires it to
`apply_delivery_report` in a transaction."""
