"""Prometheus metrics, on a registry owned by the app (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gateways.sms.routed import ErrorClass

BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}
SUBMIT_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


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
            "SMS by final status (sent, failed, skipped_insufficient_funds, skipped_cap, retried).",
            ["status"],
            registry=self.registry,
        )
        self.sms_parts = Counter(
            "notifier_sms_parts_total", "SMS parts handed to providers.", registry=self.registry
        )
        self.retries = Counter(
            "notifier_retries_total",
            "Steps retried after a failure that is not the event's fault (apply, dead-letter)"
            " and transactions run again after a deadlock (settle, claim, reclaim, lease, ...).",
            ["step"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "notifier_outbox_queued",
            "Notifications due and waiting to be sent (read at scrape).",
            registry=self.registry,
        )
        self.oldest_due = Gauge(
            "notifier_outbox_oldest_due_seconds",
            "How long the oldest due notification has waited; 0 when none is due (read at scrape).",
            registry=self.registry,
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
        # --- SMS delivery: providers, breakers, holds, consumer lag (the ops console) ---
        self.notifications = Counter(
            "notifier_notifications_total",
            "Dispatched SMS by outcome (sent, failed, retry, in_doubt) and provider ('-' when"
            " none answered).",
            ["status", "provider"],
            registry=self.registry,
        )
        self.sms_in_doubt_unasked = Counter(
            "notifier_sms_in_doubt_unasked_total",
            "SMS in doubt whose provider cannot be asked, settled by IN_DOUBT_POLICY: resend"
            " (may arrive twice) or fail (released; may have arrived, free).",
            ["policy"],
            registry=self.registry,
        )
        self.submit_seconds = Histogram(
            "notifier_sms_submit_seconds",
            "Time a provider took to answer a submit, per provider.",
            ["provider"],
            buckets=SUBMIT_BUCKETS,
            registry=self.registry,
        )
        self.provider_errors = Counter(
            "notifier_sms_provider_errors_total",
            "Submits a provider did not accept, by class: retryable (a temporary refusal),"
            " permanent (rejected), in_doubt (timed out or lost: it may have it).",
            ["provider", "class"],
            registry=self.registry,
        )
        self.receipts = Counter(
            "notifier_sms_receipts_total",
            "Pushed delivery receipts (SMPP) by outcome: recorded, refunded, duplicate,"
            " kept_early (came before its SMS's id was recorded; applied when it is).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.breaker_state = Gauge(
            "notifier_sms_breaker_state",
            "Circuit breaker per provider: 0 closed, 1 half-open, 2 open.",
            ["provider"],
            registry=self.registry,
        )
        self.open_holds = Gauge(
            "notifier_holds_open",
            "Holds not yet captured or released (SMS queued or in flight), per currency.",
            ["currency"],
            registry=self.registry,
        )
        self.open_holds_amount = Gauge(
            "notifier_holds_open_amount",
            "Total of the open holds, in minor units, per currency.",
            ["currency"],
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "notifier_consumer_lag",
            "Records of the consumed topics not yet committed by the consumer group.",
            ["topic", "partition"],
            registry=self.registry,
        )
        self.consumer_lag_known = Gauge(
            "notifier_consumer_lag_known",
            "1 when the broker answered the last consumer-lag refresh, else 0.",
            registry=self.registry,
        )

    def submitted(self, provider: str, seconds: float | None, error: ErrorClass | None) -> None:
        """gateways.sms.routed.SendObserver: one submit to `provider` (seconds: None when
        it never reached the provider's answer)."""
        if seconds is not None:
            self.submit_seconds.labels(provider).observe(seconds)
        if error is not None:
            self.provider_errors.labels(provider, error).inc()
