"""Handlers: apply one decoded event inside the caller's database transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel

from billing.types import Conn
from notifier.clock import Clock


@dataclass(frozen=True)
class HandlerContext:
    clock: Clock
    max_parts: int
    hold_ttl: timedelta


Handler = Callable[[Conn, BaseModel, HandlerContext], Awaitable[int]]
