"""Handlers: apply one decoded event inside the caller's database transaction and return the
SMS it calls for; the caller prices, holds and queues the SMS of a whole batch at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from billing.types import Conn
from notifier.clock import Clock

if TYPE_CHECKING:
    from notifier.outbox.enqueue import PendingSms
from notifier.outbox.lowbalance import LowBalancePolicy
from notifier.outbox.window import parse_window
from notifier.settings import Settings


@dataclass(frozen=True)
class AlertPolicy:
    """Announcements and instant grade alerts (settings: "Announcements and instant grade
    alerts"); the defaults are the settings' defaults."""

    announcement_max_parts: int = 3
    night_start_hour: int = 22  # urgent announcements wait from here (pupil's local time)...
    night_end_hour: int = 7  # ...to here
    grade_grace: timedelta = timedelta(minutes=10)
    grade_corrections: bool = True

    @classmethod
    def from_settings(cls, s: Settings) -> AlertPolicy:
        return cls(
            announcement_max_parts=s.announcement_max_parts,
            night_start_hour=s.urgent_night_start_hour,
            night_end_hour=s.urgent_night_end_hour,
            grade_grace=timedelta(minutes=s.grade_alert_grace_minutes),
            grade_corrections=s.grade_alert_corrections,
        )


@dataclass(frozen=True)
class HandlerContext:
    clock: Clock
    max_parts: int
    hold_ttl: timedelta
    low_balance: LowBalancePolicy | None = None
    # Default sending window (local time) for schools without one; None: send at any time.
    send_window: tuple[time, time] | None = None
    alerts: AlertPolicy = AlertPolicy()

    @classmethod
    def from_settings(cls, s: Settings, clock: Clock) -> HandlerContext:
        """The consumer's context; the grade alerts job uses the same one."""
        return cls(
            clock, s.sms_max_parts, timedelta(hours=s.hold_ttl_hours),
            LowBalancePolicy.from_settings(s), parse_window(s.send_window),
            AlertPolicy.from_settings(s),
        )  # fmt: skip


Handler = Callable[[Conn, BaseModel, HandlerContext], Awaitable["list[PendingSms]"]]


@dataclass(frozen=True)
class BatchForm:
    """A handler's whole-batch version, for the common shape of a batch: `fits` says whether
    these events have it (asked before anything is written); `apply` then does for all of
    them what the handler does for each, in order, in a constant number of statements."""

    fits: Callable[[Sequence[BaseModel]], bool]
    apply: Callable[[Conn, Sequence[BaseModel], HandlerContext], Awaitable[list[PendingSms]]]


_BATCH_FORMS: dict[Handler, BatchForm] = {}


def with_batch_form(form: BatchForm) -> Callable[[Handler], Handler]:
    """Register `form` as the decorated handler's whole-batch version."""

    def register(handler: Handler) -> Handler:
        _BATCH_FORMS[handler] = form
        return handler

    return register


def batch_form(handler: Handler) -> BatchForm | None:
    return _BATCH_FORMS.get(handler)
