"""GET /internal/v1/openapi.json: the internal API's own OpenAPI 3.1 document.

The core e-school system calls it with INTERNAL_API_TOKEN (not a JWT). Public: it describes
shapes only, as /api/v1/openapi.json does.
"""

from __future__ import annotations

import functools
import json

from aiohttp import web

from notifier.http.openapi import ApiRoute, documented_routes, openapi_document

TITLE = "School notifier: internal API (core e-school system, operations)"
VERSION = "1"
PREFIX = "/internal/v1/"
_TOKEN = {
    "type": "http",
    "scheme": "bearer",
    "description": "INTERNAL_API_TOKEN, as configured on the service (not a JWT)",
}


async def get_openapi(request: web.Request) -> web.Response:
    routes = tuple(r for r in documented_routes(request.app) if r.path.startswith(PREFIX))
    return web.Response(text=_document(routes), content_type="application/json")


@functools.lru_cache(maxsize=8)
def _document(routes: tuple[ApiRoute, ...]) -> str:
    document = openapi_document(routes, title=TITLE, version=VERSION)
    document["components"]["securitySchemes"]["bearerAuth"] = _TOKEN
    return json.dumps(document)


def routes() -> list[web.RouteDef]:
    return [web.get(PREFIX + "openapi.json", get_openapi)]
