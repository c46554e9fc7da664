"""Top-up limits and refusals as the parent's API reports them."""

from __future__ import annotations

from aiohttp import web

from billing.errors import CurrencyMismatch
from billing.money import format_amount
from billing.topups import AmountOutOfRange, DailyLimitReached
from notifier.http.errors import ApiError, error_response


def out_of_range(exc: AmountOutOfRange) -> ApiError:
    details = [{"field": "amount", "message": str(exc)}]
    return ApiError(422, "amount_out_of_range", str(exc), details)


def wrong_currency(exc: CurrencyMismatch) -> ApiError:
    details = [{"field": "currency", "message": str(exc)}]
    return ApiError(422, "currency_mismatch", str(exc), details)


def daily_limit(exc: DailyLimitReached) -> web.Response:
    details = {
        "limit": exc.limit,
        "left": exc.left,
        "left_display": format_amount(exc.left, exc.currency),
        "retry_after_seconds": exc.retry_after,
    }
    response = error_response(429, "daily_limit_reached", str(exc), details)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response
