"""Handlers: apply one decoded event inside the caller's database transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel

from billing.types import Conn
from notifier.clock import Clock
from notifier.outbox.lowbalance import LowBalancePolicy


@dataclass(frozen=True)
class HandlerContext:
    clock: Clock
    max_parts: int
    hold_ttl: timedelta
    low_balance: LowBalancePolicy | None = None


Handler = Callable[[Conn, BaseModel, HandlerContext], Awaitable[int]]
