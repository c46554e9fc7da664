"""One place maps errors to structured JSON: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from billing.errors import BillingError, CurrencyMismatch, InsufficientFunds, InvalidAmount
from notifier.sms.phones import InvalidPhoneNumber

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, details: Any = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return web.json_response({"error": body}, status=status)


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors(include_url=False)
    ]


def _map(exc: Exception) -> web.Response | None:
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, asyncpg.CharacterNotInRepertoireError):
        # Text PostgreSQL cannot store (NUL) in a body; the transaction rolled back.
        return error_response(422, "invalid_input", "text must not contain NUL characters")
    if isinstance(exc, ValidationError):
        return error_response(422, "invalid_input", "the request is not valid", _field_errors(exc))
    if isinstance(exc, InvalidPhoneNumber):
        return error_response(422, "invalid_phone", exc.reason)
    if isinstance(exc, InsufficientFunds):
        return error_response(409, "insufficient_funds", str(exc))
    if isinstance(exc, CurrencyMismatch | InvalidAmount):
        return error_response(422, "invalid_amount", str(exc))
    if isinstance(exc, BillingError):
        return error_response(409, "billing_conflict", str(exc))
    return None


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
    except Exception as exc:
        mapped = _map(exc)
        if mapped is not None:
            return mapped
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "internal error; it has been logged")
