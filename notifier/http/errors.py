"""The one place that maps errors to structured JSON: {"error": {"code", "message", "details"}}.

`error_middleware` answers every request; `ERRORS` says which domain error becomes which
HTTP error. Views raise domain errors (or ApiError for what only HTTP knows) and never build
an error response themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from billing.errors import BillingError, CurrencyMismatch, InsufficientFunds, InvalidAmount
from billing.money import format_amount
from billing.topup_limits import AmountOutOfRange, DailyLimitReached
from notifier.manager.errors import (
    AlreadyVerified,
    InvalidCursor,
    NotConfigured,
    NotFound,
    TooManyRequests,
)
from notifier.sms.phones import InvalidPhoneNumber
from notifier.topups.errors import (
    CurrencyNotAccepted,
    GatewayNotAvailable,
    NoGatewaysToReconcile,
    NotConfirmed,
    PaymentNotOpened,
    ReferenceConflict,
    TopUpNotFound,
    UnknownParent,
)

log = logging.getLogger(__name__)
Mapper = Callable[[Any], web.Response]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, details: Any = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return web.json_response({"error": body}, status=status)


def plain(status: int, code: str, message: str | None = None) -> Mapper:
    """The error's own text as the message, unless a fixed one is given."""
    return lambda exc: error_response(status, code, message or str(exc))


def on_field(status: int, code: str, field: str, message: str | None = None) -> Mapper:
    """The error names one input field; its text is that field's message."""
    return lambda exc: error_response(
        status, code, message or str(exc), [{"field": field, "message": str(exc)}]
    )


def _api(exc: ApiError) -> web.Response:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def _invalid(exc: ValidationError) -> web.Response:
    fields = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors(include_url=False)
    ]
    return error_response(422, "invalid_input", "the request is not valid", fields)


def _too_many(exc: TooManyRequests) -> web.Response:
    wait = {"retry_after_seconds": exc.retry_after}
    return _retry_after(error_response(429, "too_many_requests", str(exc), wait), exc.retry_after)


def _daily_limit(exc: DailyLimitReached) -> web.Response:
    details = {
        "limit": exc.limit,
        "left": exc.left,
        "left_display": format_amount(exc.left, exc.currency),
        "retry_after_seconds": exc.retry_after,
    }
    response = error_response(429, "daily_limit_reached", str(exc), details)
    return _retry_after(response, exc.retry_after)


def _retry_after(response: web.Response, seconds: int) -> web.Response:
    response.headers["Retry-After"] = str(seconds)
    return response


# The first row whose type matches wins: a subclass comes before its root.
ERRORS: list[tuple[type[Exception], Mapper]] = [
    (ApiError, _api),
    # Text PostgreSQL cannot store (NUL) in a body; the transaction rolled back.
    (asyncpg.CharacterNotInRepertoireError,
     plain(422, "invalid_input", "text must not contain NUL characters")),
    (ValidationError, _invalid),
    (InvalidPhoneNumber, lambda exc: error_response(422, "invalid_phone", exc.reason)),
    # The Notification Manager
    (NotFound, plain(404, "not_found")),
    (TooManyRequests, _too_many),
    (AlreadyVerified, plain(409, "already_verified")),
    (InvalidCursor, on_field(422, "invalid_input", "cursor", "the request is not valid")),
    (NotConfigured, plain(503, "not_configured")),
    # Top-ups
    (TopUpNotFound, plain(404, "not_found")),
    (GatewayNotAvailable,
     on_field(422, "gateway_unavailable", "gateway", "this payment method is not available")),
    (CurrencyNotAccepted, on_field(422, "currency_mismatch", "currency")),
    (AmountOutOfRange, on_field(422, "amount_out_of_range", "amount")),
    (DailyLimitReached, _daily_limit),
    (PaymentNotOpened, plain(502, "gateway_unavailable", "the payment gateway did not answer")),
    (NotConfirmed, plain(503, "gateway_unavailable")),
    (NoGatewaysToReconcile, plain(409, "no_gateways")),
    (ReferenceConflict, plain(409, "reference_conflict")),
    (UnknownParent, plain(404, "unknown_parent")),
    # Billing
    (InsufficientFunds, plain(409, "insufficient_funds")),
    (CurrencyMismatch, plain(422, "invalid_amount")),
    (InvalidAmount, plain(422, "invalid_amount")),
    (BillingError, plain(409, "billing_conflict")),
]  # fmt: skip


def _map(exc: Exception) -> web.Response | None:
    for kind, mapper in ERRORS:
        if isinstance(exc, kind):
            return mapper(exc)
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
