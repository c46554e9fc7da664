"""Handlers: apply one decoded event inside the caller's database transaction and return the
SMS it calls for; the caller prices, holds and queues the SMS of a whole batch at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from billing.types import Conn
from notifier.clock import Clock

if TYPE_CHECKING:
    from notifier.outbox.enqueue import PendingSms
from notifier.outbox.lowbalance import LowBalancePolicy


@dataclass(frozen=True)
class HandlerContext:
    clock: Clock
    max_parts: int
    hold_ttl: timedelta
    low_balance: LowBalancePolicy | None = None
    # Default sending window (local time) for schools without one; None: send at any time.
    send_window: tuple[time, time] | None = None


Handler = Callable[[Conn, BaseModel, HandlerContext], Awaitable["list[PendingSms]"]]
