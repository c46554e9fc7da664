"""Reconciling the payment gateways against the ledger: the daily job, the gateways to
reconcile and the metrics (the finance API asks for runs through it too)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge

from billing.reconciliation import RunSummary, load_run, run_reconciliation
from billing.reports import FINANCE_TZ, Period
from gateways.payments import PaymentGateway
from notifier import keys
from notifier.topups.errors import NoGatewaysToReconcile
from notifier.topups.keys import PAYMENT_GATEWAYS

log = logging.getLogger(__name__)


class FinanceMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter(
            "notifier_reconciliation_runs_total",
            "Reconciliation runs, by status (completed, failed).",
            ["status"],
            registry=registry,
        )
        self.mismatches = Counter(
            "notifier_reconciliation_mismatches_total",
            "Mismatches found by reconciliation runs, by gateway and finding.",
            ["gateway", "finding"],
            registry=registry,
        )
        self.last_mismatches = Gauge(
            "notifier_reconciliation_last_run_mismatches",
            "Mismatches found by the latest completed reconciliation run, by gateway.",
            ["gateway"],
            registry=registry,
        )

    def observe(self, run: RunSummary) -> None:
        self.runs.labels(run.status).inc()
        if run.status != "completed":
            return
        for gateway in run.gateways:
            found = [f for f in run.mismatches if f.gateway == gateway]
            self.last_mismatches.labels(gateway).set(len(found))
            for finding in found:
                self.mismatches.labels(gateway, finding.finding).inc()


FINANCE_METRICS = web.AppKey("finance_metrics", FinanceMetrics)
# The payment gateways finance reconciles, by name; when unset, those payments configured.
GATEWAYS: web.AppKey[dict[str, PaymentGateway]] = web.AppKey("finance_gateways")


async def finance_context(app: web.Application) -> AsyncIterator[None]:
    """A cleanup_ctx for create_app: the finance metrics, on the app's registry."""
    app[FINANCE_METRICS] = FinanceMetrics(app[keys.METRICS].registry)
    yield


def reconciled_gateways(app: web.Application) -> Mapping[str, PaymentGateway]:
    """Read when a run starts, so the order in which cleanup contexts open does not matter."""
    chosen = app.get(GATEWAYS)
    if chosen is not None:
        return chosen
    configured = app.get(PAYMENT_GATEWAYS)
    return configured if configured is not None else {}


async def reconcile_yesterday(app: web.Application) -> RunSummary | None:
    """The daily job: reconcile the previous calendar day (Asia/Almaty)."""
    today = app[keys.CLOCK].now().astimezone(ZoneInfo(FINANCE_TZ)).date()
    day = today - timedelta(days=1)
    gateways = reconciled_gateways(app)
    if not gateways:
        log.info("no payment gateway is configured: nothing to reconcile for %s", day)
        return None
    run = await run_reconciliation(app[keys.POOL], gateways, Period(day, day), trigger="schedule")
    app[FINANCE_METRICS].observe(run)
    return run


async def reconcile_period(app: web.Application, period: Period, requested_by: str) -> RunSummary:
    """A run finance asked for; NoGatewaysToReconcile when no gateway is configured."""
    gateways = reconciled_gateways(app)
    if not gateways:
        raise NoGatewaysToReconcile("no payment gateway is configured to reconcile")
    run = await run_reconciliation(app[keys.POOL], gateways, period, requested_by=requested_by)
    app[FINANCE_METRICS].observe(run)
    return run


async def reconciliation_run(app: web.Application, run_id: int) -> RunSummary | None:
    async with app[keys.POOL].acquire() as conn:
        return await load_run(conn, run_id)
