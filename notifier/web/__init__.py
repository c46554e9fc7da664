"""/manager: the parents' Notification Manager page, a static page over /api/v1.

One HTML file, one stylesheet and two small ES modules (the page, its dictionaries), served
from the package: no build step, nothing loaded from elsewhere. The sign-in token reaches the
page in the URL fragment (never sent to a server) and goes to the API in a header only.

Asset URLs carry a hash of their content, so a phone on a slow network downloads them once
and a new release is still picked up at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

from notifier.web import type_choices

ASSET_TYPES = {
    "manager.css": "text/css",
    "manager.js": "text/javascript",
    "i18n.js": "text/javascript",
}
CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript"}
# The page talks only to this service; the payment page is reached by navigation, which
# these rules do not restrict.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
ASSET_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class ManagerPage:
    html: str
    version: str
    assets: dict[str, bytes]

    async def page(self, request: web.Request) -> web.Response:
        response = web.Response(text=self.html, content_type="text/html", headers=PAGE_HEADERS)
        response.enable_compression()
        return response

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.assets:
            raise web.HTTPNotFound()
        # An old page may ask for an old version: serve the current one, but do not cache it.
        current = request.match_info["version"] == self.version
        response = web.Response(
            body=self.assets[name],
            content_type=CONTENT_TYPES[name[name.rindex(".") :]],
            charset="utf-8",
            headers={
                "Cache-Control": ASSET_CACHE if current else "no-cache",
                "X-Content-Type-Options": "nosniff",
            },
        )
        response.enable_compression()
        return response


def load_page(
    template: str = "manager.html",
    names: tuple[str, ...] = tuple(ASSET_TYPES),
    fill: Mapping[str, str] | None = None,
) -> ManagerPage:
    """Read a page and its assets (.css, .js) from the package (they are small); `fill`
    replaces each `{{name}}` of the template."""
    root = resources.files(__name__)
    assets = {name: (root / "static" / name).read_bytes() for name in names}
    digest = hashlib.sha256()
    for name in sorted(assets):
        digest.update(name.encode() + b"\0" + assets[name])
    version = digest.hexdigest()[:12]
    html = (root / "templates" / template).read_text("utf-8")
    for name, value in {**(fill or {}), "version": version}.items():
        html = html.replace("{{" + name + "}}", value)
    return ManagerPage(html, version, assets)


def manager_page() -> ManagerPage:
    """The Manager, its notification types filled in from the registry."""
    return load_page(fill={
        "notification_types": type_choices.choices_html(),
        "notification_types_json": type_choices.types_json(),
    })  # fmt: skip


async def front_door(request: web.Request) -> web.Response:
    """`/`: a browser that opens the service's address lands on the parents' page."""
    raise web.HTTPFound("/manager", headers={"Cache-Control": "no-store"})


def routes() -> list[web.RouteDef]:
    page = manager_page()
    return [
        web.get("/", front_door),
        web.get("/manager", page.page),
        web.get("/manager/static/{version}/{name}", page.asset),
    ]
