"""Finance: ledger reports and gateway reconciliation for the finance team (views.py), the
daily reconciliation job and metrics (context.py)."""

from aiohttp import web

from notifier.http.finance.context import (
    FINANCE_METRICS,
    GATEWAYS,
    FinanceMetrics,
    finance_context,
    reconcile_yesterday,
    reconciled_gateways,
)
from notifier.http.finance.views import ROUTES
from notifier.http.openapi import api_routes

__all__ = [
    "FINANCE_METRICS",
    "GATEWAYS",
    "ROUTES",
    "FinanceMetrics",
    "finance_context",
    "reconcile_yesterday",
    "reconciled_gateways",
    "routes",
]


def routes() -> list[web.RouteDef]:
    return api_routes(ROUTES)
