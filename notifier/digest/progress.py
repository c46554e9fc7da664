"""Progress of the digests being sent: done / total / ETA, to /metrics and the log."""

from __future__ import annotations

import logging
from datetime import datetime

from notifier.clock import Clock
from notifier.metrics import Metrics

log = logging.getLogger(__name__)


class Progress:
    """One sending cycle (every school due now): subscriptions done out of the total."""

    def __init__(self, clock: Clock, metrics: Metrics | None = None) -> None:
        self._clock, self._metrics = clock, metrics
        self.total = self.done = 0
        self._started: datetime = clock.now()

    def planned(self, subscriptions: int) -> None:
        self.total += subscriptions
        self._publish()

    def advanced(self, subscriptions: int) -> None:
        self.done += subscriptions
        self._publish()
        log.info("weekly digests: %d/%d done, ETA %.0fs", self.done, self.total, self.eta())

    def left_to_another(self, subscriptions: int) -> None:
        """A school another replica is sending: its rest is not this cycle's to count."""
        self.total -= subscriptions
        self._publish()

    def eta(self) -> float:
        """Seconds left at the rate so far; 0 when finished or nothing done yet."""
        elapsed = (self._clock.now() - self._started).total_seconds()
        if not self.done or self.done >= self.total:
            return 0.0
        return elapsed / self.done * (self.total - self.done)

    def _publish(self) -> None:
        if self._metrics is not None:
            self._metrics.digest_total.set(self.total)
            self._metrics.digest_done.set(self.done)
            self._metrics.digest_eta.set(self.eta())
