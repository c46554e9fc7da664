"""Finance: ledger reports and gateway reconciliation for the finance team (views.py). The
daily reconciliation job and its metrics are a use case: notifier.topups.reconcile."""

from aiohttp import web

from notifier.http.finance.views import ROUTES
from notifier.http.openapi import api_routes

__all__ = ["ROUTES", "routes"]


def routes() -> list[web.RouteDef]:
    return api_routes(ROUTES)
