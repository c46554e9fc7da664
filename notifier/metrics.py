"""Prometheus metrics, on a registry owned by the app (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.events = Counter(
            "notifier_events_total",
            "Events consumed, by topic and outcome (applied, duplicate, dead_lettered).",
            ["topic", "outcome"],
            registry=self.registry,
        )
        self.sms = Counter(
            "notifier_sms_total",
            "SMS by final status (sent, failed, skipped_insufficient_funds, retried).",
            ["status"],
            registry=self.registry,
        )
        self.sms_parts = Counter(
            "notifier_sms_parts_total", "SMS parts handed to providers.", registry=self.registry
        )
        self.retries = Counter(
            "notifier_retries_total",
            "Steps retried after a failure that is not the event's fault (apply, dead-letter).",
            ["step"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "notifier_outbox_queued", "Notifications waiting to be sent.", registry=self.registry
        )
        # --- Weekly digest: progress of the current sending cycle ---
        self.digest_total = Gauge(
            "notifier_digest_subscriptions_total",
            "Weekly-digest subscriptions in the current sending cycle.",
            registry=self.registry,
        )
        self.digest_done = Gauge(
            "notifier_digest_subscriptions_done",
            "Weekly-digest subscriptions handled so far in the current cycle.",
            registry=self.registry,
        )
        self.digest_eta = Gauge(
            "notifier_digest_eta_seconds",
            "Estimated seconds until the current weekly-digest cycle finishes.",
            registry=self.registry,
        )
