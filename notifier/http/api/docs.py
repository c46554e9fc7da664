"""GET /api/v1/openapi.json: the document of every route wired through `api_routes`."""

from __future__ import annotations

import functools
import json

from aiohttp import web

from notifier.http.openapi import ApiRoute, documented_routes, openapi_document

TITLE = "School notifier: parents' Notification Manager API"
VERSION = "1"


async def get_openapi(request: web.Request) -> web.Response:
    # The internal API has its own document (notifier.http.internal_docs).
    routes = (r for r in documented_routes(request.app) if r.path.startswith("/api/v1/"))
    text = _document(tuple(routes))
    return web.Response(text=text, content_type="application/json")


@functools.lru_cache(maxsize=8)
def _document(routes: tuple[ApiRoute, ...]) -> str:
    # The routes never change while the app runs: build the document once.
    return json.dumps(openapi_document(routes, title=TITLE, version=VERSION))


TABLE = [
    ApiRoute("GET", "/api/v1/openapi.json", get_openapi, "This OpenAPI 3.1 document",
             roles=(), tag="meta"),
]  # fmt: skip
