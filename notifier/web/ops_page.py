"""/ops: the ops console, a static page over /api/v1/ops (role `ops`).

Served like /manager (same headers and content-hashed assets, nothing from elsewhere). The
token comes in the URL fragment (`/ops#token=…`, never sent to a server) or is pasted into
the page, and goes to the API in a header only."""

from __future__ import annotations

from aiohttp import web

from notifier.web import load_page

ASSETS = ("ops.css", "ops.js")


def routes() -> list[web.RouteDef]:
    page = load_page("ops.html", ASSETS)
    return [
        web.get("/ops", page.page),
        web.get("/ops/static/{version}/{name}", page.asset),
    ]
