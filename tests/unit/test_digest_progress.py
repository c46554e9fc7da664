"""Ops watch a digest cycle in /metrics: done, total and the time left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest

from notifier.digest.progress import Progress
from notifier.metrics import Metrics
from tests.support import MovableClock


def test_progress_and_eta_reach_the_metrics() -> None:
    clock, metrics = MovableClock(datetime(2026, 11, 27, 13, tzinfo=UTC)), Metrics()
    progress = Progress(clock, metrics)
    progress.planned(10_000)
    clock.advance(timedelta(seconds=30))
    progress.advanced(2_500)  # a quarter in 30 s: 90 s to go
    exposed = generate_latest(metrics.registry).decode()
    assert "notifier_digest_subscriptions_total 10000.0" in exposed
    assert "notifier_digest_subscriptions_done 2500.0" in exposed
    assert "notifier_digest_eta_seconds 90.0" in exposed
    progress.advanced(7_500)
    assert progress.eta() == 0.0
