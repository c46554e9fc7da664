"""Provider delivery reports into the outbox: one transaction per report, final states only.

Used by the Mobizon webhook (notifier/http/sms_reports.py), the SMPP receipt callback
(`report_sink`) and the Nikita poller (`poll_nikita`). Non-final reports (queued,
submitted) change nothing; final ones (delivered, undeliverable, expired, failed) are
recorded as they are.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import asyncpg

from gateways.sms.nikita import NikitaProvider, poll_reports
from gateways.sms.reports import Report, ReportSink
from notifier.outbox.delivery import UndeliverablePolicy, apply_delivery_report
from notifier.transient import is_transient, retry_transaction

log = logging.getLogger(__name__)
POLL_BATCH = 1000  # per run, newest first: most reports arrive within minutes


async def record_report(
    pool: asyncpg.Pool, report: Report, *, policy: UndeliverablePolicy
) -> str | None:
    """The outcome of `apply_delivery_report`, or None for a report that is not final."""
    status = report.final_status
    if status is None:
        return None

    async def transaction() -> str:
        async with pool.acquire() as conn, conn.transaction():
            return await apply_delivery_report(
                conn, provider=report.provider, provider_message_id=report.provider_message_id,
                status=status, detail=report.detail, at=report.at, policy=policy,
            )  # fmt: skip

    return await retry_transaction(transaction, what="delivery report")


def report_sink(pool: asyncpg.Pool, *, policy: UndeliverablePolicy, retries: int = 3) -> ReportSink:
    """For providers that push receipts (SMPP): record each one as it arrives. The SMSC has
    its acknowledgement already, so a database hiccup is retried here before giving up."""

    async def sink(report: Report) -> None:
        for attempt in range(retries + 1):
            try:
                outcome = await record_report(pool, report, policy=policy)
                break
            except Exception as exc:
                if attempt == retries or not is_transient(exc):
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
        if outcome == "unknown_message":
            log.warning("%s receipt for unknown message %s", report.provider,
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
