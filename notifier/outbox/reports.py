"""Provider delivery reports into the outbox: one transaction per report, final states only.

Used by the Mobizon webhook (notifier/http/sms_reports.py), the SMPP receipt callback
(`report_sink`) and the Nikita poller (`poll_nikita`). Non-final reports (queued,
submitted) change nothing; final ones (delivered, undeliverable, expired, failed) are
recorded as they are.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

import asyncpg

from gateways.sms.nikita import NikitaProvider, poll_reports
from gateways.sms.reports import Report, ReportSink
from notifier.metrics import Metrics
from notifier.outbox import early
from notifier.outbox.delivery import UndeliverablePolicy, apply_delivery_report
from notifier.transient import is_transient, retry_transaction

log = logging.getLogger(__name__)
POLL_BATCH = 1000  # per run, newest first: most reports arrive within minutes


async def record_report(
    pool: asyncpg.Pool, report: Report, *, policy: UndeliverablePolicy, keep_early: bool = False
) -> str | None:
    """The outcome of `apply_delivery_report`, or None for a report that is not final.
    With `keep_early`, a report about a message not recorded yet is kept until it is
    ("kept_early"; notifier/outbox/early.py)."""
    status = report.final_status
    if status is None:
        return None
    provider, mid = report.provider, report.provider_message_id

    async def transaction() -> str:
        async with pool.acquire() as conn, conn.transaction():
            outcome = await apply_delivery_report(
                conn, provider=provider, provider_message_id=mid,
                status=status, detail=report.detail, at=report.at, policy=policy,
            )  # fmt: skip
            if outcome != "unknown_message" or not keep_early:
                return outcome
            await early.lock_message(conn, provider, mid)  # then look again: settled meanwhile?
            outcome = await apply_delivery_report(
                conn, provider=provider, provider_message_id=mid,
                status=status, detail=report.detail, at=report.at, policy=policy,
            )  # fmt: skip
            if outcome != "unknown_message":
                return outcome
            await early.keep_early(conn, provider, mid, status, report.detail, report.at)
            return "kept_early"

    return await retry_transaction(transaction, what="delivery report")


def report_sink(
    pool: asyncpg.Pool, *, policy: UndeliverablePolicy, retries: int = 3,
    metrics: Metrics | None = None,
) -> ReportSink:  # fmt: skip
    """For providers that push receipts (SMPP): record each one as it arrives, or keep it
    until its message's id is recorded (it may overtake the dispatcher's settlement). The
    SMSC has its acknowledgement already, so a database hiccup is retried before giving up."""

    async def sink(report: Report) -> None:
        record = partial(record_report, pool, report, policy=policy, keep_early=True)
        outcome = await retry_transaction(
            record, what="receipt", retry_if=is_transient, attempts=retries + 1
        )
        if metrics is not None and outcome is not None:
            metrics.receipts.labels(report.provider, outcome).inc()
        if outcome == "kept_early":
            log.info("%s receipt for %s kept until the message is recorded", report.provider,
                     report.provider_message_id)  # fmt: skip

    return sink


async def poll_nikita(
    pool: asyncpg.Pool, provider: NikitaProvider, *, since: datetime,
    policy: UndeliverablePolicy,
) -> int:  # fmt: skip
    """Ask Nikita about its messages sent since `since` that have no final report yet;
    record what is final. Returns how many reports were recorded."""
    ids = await pool.fetch(
        "SELECT provider_message_id FROM notifications WHERE provider = $1"
        " AND status = 'sent' AND delivery_status IS NULL AND sent_at >= $2"
        " ORDER BY sent_at DESC LIMIT $3",
        provider.name,
        since,
        POLL_BATCH,
    )
    reports = await poll_reports(provider, [r["provider_message_id"] for r in ids])
    recorded = 0
    for report in reports:
        if await record_report(pool, report, policy=policy) in ("recorded", "refunded"):
            recorded += 1
    return recorded
