"""A circuit breaker per provider: stop knocking on a door that keeps saying "not now".

Closed: every send goes through. After `threshold` consecutive failures (temporary refusals,
and timeouts - a provider that does not answer is no healthier than one that refuses) it
opens: sends skip this provider (routing fails over) until `cool_down` has passed. Then it
is half-open: one trial send goes through; success closes it, failure opens it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from gateways.clock import Clock

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, clock: Clock, *, threshold: int = 5, cool_down: timedelta) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self._clock, self._threshold, self._cool_down = clock, threshold, cool_down
        self._failures = 0
        self._opened_at: datetime | None = None
        self._trial = False  # a half-open trial send is in flight

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock.now() < self._opened_at + self._cool_down:
            return "open"
        return "half_open"

    def allows(self) -> bool:
        """May a send go to this provider now? Claims the one half-open trial if it is free."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial:
            self._trial = True
            return True
        return False

    def succeeded(self) -> None:
        self._failures, self._opened_at, self._trial = 0, None, False

    def failed(self) -> None:
        self._failures += 1
        if self._trial or self._failures >= self._threshold:
            self._opened_at, self._trial = self._clock.now(), False
