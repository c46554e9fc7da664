"""One-click unsubscribe from a signed link, no sign-in: GET shows a confirmation page (mail
and chat apps prefetch links, so GET never changes anything), POST unsubscribes (RFC 8058
`List-Unsubscribe=One-Click` style). Safe to repeat."""

from __future__ import annotations

from typing import cast

from aiohttp import web

from notifier import keys
from notifier.http.api.io import now, origin, pool
from notifier.http.api.unsubscribe_page import PageKind, page
from notifier.manager.consent import LINK_ACTOR
from notifier.manager.errors import InvalidLink
from notifier.manager.link_unsubscribe import unsubscribe_by_link
from notifier.manager.links import EVERY_CHILD, UnsubscribeClaim, link_secret, read_unsubscribe
from notifier.notification_types import NOTIFICATION_TYPES
from notifier.sms.texts import Language

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


async def show_unsubscribe(request: web.Request) -> web.Response:
    try:
        claim = _claim(request)
    except InvalidLink as exc:
        return _html("invalid" if exc.reason == "invalid" else "expired", "ru", status=400)
    language = await _language(request, claim)
    return _html("confirm", language, claim.type)


async def unsubscribe(request: web.Request) -> web.Response:
    try:
        claim = _claim(request)
    except InvalidLink as exc:
        return _html("invalid" if exc.reason == "invalid" else "expired", "ru", status=400)
    async with pool(request).acquire() as conn, conn.transaction():
        await unsubscribe_by_link(conn, claim, origin(request, LINK_ACTOR), now(request))
    return _html("done", await _language(request, claim), claim.type)


def _claim(request: web.Request) -> UnsubscribeClaim:
    secret = link_secret(request.app[keys.SETTINGS])
    claim = read_unsubscribe(secret, request.query.get("token", ""), now(request))
    if claim.type != "all" and claim.type not in NOTIFICATION_TYPES:
        raise InvalidLink("invalid")
    return claim


async def _language(request: web.Request, claim: UnsubscribeClaim) -> Language:
    if claim.pupil_id == EVERY_CHILD:
        latest = await pool(request).fetchval(
            "SELECT language FROM subscriptions WHERE parent_id = $1"
            " ORDER BY updated_at DESC LIMIT 1",
            claim.parent_id,
        )
        return cast(Language, latest or "ru")
    found = await pool(request).fetchval(
        "SELECT coalesce(s.language, p.locale) FROM pupils p LEFT JOIN subscriptions s"
        " ON s.pupil_id = p.id AND s.parent_id = $1 WHERE p.id = $2",
        claim.parent_id,
        claim.pupil_id,
    )
    return cast(Language, found or "ru")


def _html(kind: PageKind, language: Language, what: str = "all", status: int = 200) -> web.Response:
    return web.Response(
        text=page(kind, language, what), status=status, content_type="text/html",
        headers=_HEADERS,
    )  # fmt: skip


def routes() -> list[web.RouteDef]:
    return [
        web.get("/unsubscribe", show_unsubscribe),
        web.post("/unsubscribe", unsubscribe),
    ]
