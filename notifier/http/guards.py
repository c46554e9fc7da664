"""Checks every request passes before any view runs, whatever API it belongs to."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from notifier.http.errors import ApiError


@web.middleware
async def refuse_nul(request: web.Request, handler: Handler) -> web.StreamResponse:
    """PostgreSQL text cannot hold NUL: an id with one cannot exist (404), a query value
    with one is invalid (422). Bodies are caught where the database refuses them
    (notifier.http.errors), inside a transaction that then changes nothing."""
    if any("\x00" in value for value in request.match_info.values()):
        raise ApiError(404, "not_found", "no such resource")
    nul = [
        {"field": k, "message": "must not contain NUL"}
        for k, v in request.query.items()
        if "\x00" in k or "\x00" in v
    ]
    if nul:
        raise ApiError(422, "invalid_input", "the request is not valid", nul)
    return await handler(request)
