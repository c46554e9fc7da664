"""Token bucket: at most `rate` messages a second per provider, bursts of up to `burst`.

`reserve` takes a token now and says how long to wait before using it, so concurrent callers
queue up in order instead of racing for the next free token. Time comes from the clock.
"""

from __future__ import annotations

from datetime import datetime

from gateways.clock import Clock


class TokenBucket:
    def __init__(self, clock: Clock, *, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._clock, self._rate, self._burst = clock, rate, float(burst)
        self._tokens = float(burst)
        self._at: datetime = clock.now()

    def reserve(self, max_wait: float = float("inf")) -> float | None:
        """Seconds to wait before sending (0.0 when a token is available now), or None -
        and no token taken - when that would be longer than `max_wait`."""
        now = self._clock.now()
        elapsed = max((now - self._at).total_seconds(), 0.0)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._at = now
        wait = max(0.0, (1.0 - self._tokens) / self._rate)
        if wait > max_wait:
            return None
        self._tokens -= 1.0
        return wait
