"""/api/v1: the parents' Notification Manager API (and the one-click unsubscribe pages).

Every /api/v1 route is declared in a table (notifier.http.openapi.ApiRoute), which both
routes it and documents it at /api/v1/openapi.json.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from notifier.http.api import (
    admin,
    announcement_preview,
    announcements,
    children,
    digest_per_phone,
    digest_preview,
    docs,
    spending,
    unsubscribe,
    verification,
    wallet,
)
from notifier.http.api.io import no_query
from notifier.http.openapi import ApiRoute, api_routes

TABLE: list[ApiRoute] = [
    *children.TABLE,
    *verification.TABLE,
    *wallet.TABLE,
    *spending.TABLE,
    *digest_preview.TABLE,
    *digest_per_phone.TABLE,
    *admin.TABLE,
    *announcements.TABLE,
    *announcement_preview.TABLE,
    *docs.TABLE,
]


def routes() -> list[web.RouteDef]:
    return api_routes([_strict(route) for route in TABLE]) + unsubscribe.routes()


def _strict(route: ApiRoute) -> ApiRoute:
    # A route declaring no query parameters refuses any (NUL: notifier.http.guards); domain
    # errors become HTTP errors in notifier.http.errors, the same way on every route.
    return route if route.query else replace(route, handler=no_query(route.handler))
