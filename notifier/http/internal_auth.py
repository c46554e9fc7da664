"""The internal API's bearer token: INTERNAL_API_TOKEN, or the API is disabled (503)."""

from __future__ import annotations

import hmac

from aiohttp import web

from notifier import keys
from notifier.http.errors import ApiError


def authorize(request: web.Request) -> None:
    token = request.app[keys.SETTINGS].internal_api_token
    if token is None:
        raise ApiError(503, "disabled", "the internal API is disabled: INTERNAL_API_TOKEN is unset")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    expected = token.get_secret_value()
    if not (given.isascii() and hmac.compare_digest(given.encode(), expected.encode())):
        raise ApiError(401, "unauthorized", "a valid internal API bearer token is required")
