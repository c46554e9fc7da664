"""Every scheduled job of the service, in one table: name, async fn(app), trigger, options.

The scheduler (notifier/scheduler.py) runs each one guarded, so a failing run is logged and
retried at its next slot.
"""

from __future__ import annotations

from notifier.digest.job import send_due_digests
from notifier.grade_alert_sweep import sweep_grade_alerts
from notifier.outbox.expiry import expire_stale_notifications
from notifier.outbox.providers import poll_nikita_reports
from notifier.retention.partitions import create_partitions_ahead
from notifier.scheduler import ScheduledJob
from notifier.topups.expiry import expire_top_ups
from notifier.topups.reconcile import reconcile_yesterday

JOBS: list[ScheduledJob] = [
    ScheduledJob("expire-stale-sms", expire_stale_notifications, "interval", {"minutes": 1}),
    # Finance reconciles the payment gateways for the previous day.
    ScheduledJob(
        "reconcile-payments",
        reconcile_yesterday,
        "cron",
        {"hour": 2, "minute": 30, "timezone": "Asia/Almaty"},
    ),
    ScheduledJob("expire-top-ups", expire_top_ups, "interval", {"minutes": 5}),
    # Each school's weekly digest at its own local day and time (notifier/digest/).
    ScheduledJob("weekly-digests", send_due_digests, "interval", {"minutes": 1}),
    # Nikita's delivery reports are pulled, not pushed (a no-op unless Nikita is configured).
    ScheduledJob("poll-nikita-reports", poll_nikita_reports, "interval", {"minutes": 1}),
    # A child's marks that waited out the grace go as one SMS; superseded corrections withdrawn.
    ScheduledJob("grade-alert-sweep", sweep_grade_alerts, "interval", {"seconds": 30}),
    # The outbox's and the ledger's monthly partitions, three months ahead (notifier/retention).
    ScheduledJob("create-partitions", create_partitions_ahead, "interval", {"hours": 6}),
]
