"""Time comes from an injected clock, so tests move time instead of sleeping.

Defined here, at the bottom, so the adapters in gateways/ and the service (notifier.clock)
share one clock without gateways importing the service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
