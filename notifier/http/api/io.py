"""Request decoding and response encoding shared by the /api/v1 views (any module may use it).

Bodies: `read_body` gives 400 for unparsable JSON and 422 (per field) for invalid input.
Queries: `read_query` validates `request.query` against a model. Domain errors become HTTP
errors in one place, notifier.http.errors.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TypeVar

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ValidationError

from notifier import keys
from notifier.http.errors import ApiError
from notifier.http.openapi import Handler
from notifier.manager.consent import Origin

M = TypeVar("M", bound=BaseModel)


async def read_body(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(await request.read())
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "invalid_json", "the request body is not valid JSON") from exc
        raise


def read_query(request: web.Request, model: type[M]) -> M:
    return model.model_validate(dict(request.query))


def json_model(body: BaseModel, status: int = 200) -> web.Response:
    return web.Response(text=body.model_dump_json(), status=status, content_type="application/json")


def pool(request: web.Request) -> asyncpg.Pool:
    return request.app[keys.POOL]


def now(request: web.Request) -> datetime:
    return request.app[keys.CLOCK].now()


def origin(request: web.Request, actor: str) -> Origin:
    """Where a change came from, for the consent record. The peer address, as seen here:
    behind a proxy that is the proxy (forwarded headers are not trusted)."""
    return Origin(actor, request.remote, request.headers.get("User-Agent"))


def wake_dispatcher(request: web.Request) -> None:
    """Queued SMS (verification codes) go out now rather than at the next poll."""
    dispatcher = request.app.get(keys.DISPATCHER)
    if dispatcher is not None:
        dispatcher.wakeup.set()


def no_query(handler: Handler) -> Handler:
    """For routes that take no query parameters: any given is refused, as unknown body
    fields are (a misspelt parameter must not be silently ignored)."""

    @functools.wraps(handler)
    async def strict(request: web.Request) -> web.StreamResponse:
        if request.query:
            unknown = [
                {"field": name, "message": "unknown query parameter"} for name in request.query
            ]
            raise ApiError(422, "invalid_input", "the request is not valid", unknown)
        return await handler(request)

    return strict
