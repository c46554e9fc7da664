"""Internal API for operations and the demo: subscriptions and manual wallet credits.

Guarded by INTERNAL_API_TOKEN; disabled when it is not set (there is no default token).
"""

from __future__ import annotations

import hmac
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from billing.ledger import credit_wallet, wallet_balance
from billing.money import format_amount
from notifier import keys
from notifier.http.errors import ApiError
from notifier.outbox.delivery import apply_delivery_report
from notifier.sms.phones import normalize_mobile

NotificationType = Literal["weekly_grades", "homework", "announcements", "grade_instant"]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parent_id: str = Field(min_length=1, max_length=64)
    pupil_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=5, max_length=32)
    types: list[NotificationType] = Field(min_length=1)
    language: Literal["ru", "kk", "ky"]


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(gt=0, le=10_000_000_00, description="minor units")
    currency: Literal["KZT", "KGS"]
    reference: str = Field(min_length=1, max_length=100, description="idempotency key")


def _authorize(request: web.Request) -> None:
    token = request.app[keys.SETTINGS].internal_api_token
    if token is None:
        raise ApiError(503, "disabled", "the internal API is disabled: INTERNAL_API_TOKEN is unset")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise ApiError(401, "unauthorized", "a valid internal API bearer token is required")


async def put_subscription(request: web.Request) -> web.Response:
    _authorize(request)
    body = SubscriptionIn.model_validate_json(await request.read())
    phone = normalize_mobile(body.phone)
    async with request.app[keys.POOL].acquire() as conn:
        linked = await conn.fetchval(
            "SELECT 1 FROM parent_links WHERE parent_id = $1 AND pupil_id = $2",
            body.parent_id,
            body.pupil_id,
        )
        if not linked:
            raise ApiError(404, "not_found", "no such pupil linked to this parent")
        row = await conn.fetchrow(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) VALUES ($1, $2, $3, $4, $5, now())"
            " ON CONFLICT (parent_id, pupil_id) DO UPDATE SET phone = EXCLUDED.phone,"
            " types = EXCLUDED.types, language = EXCLUDED.language, active = true,"
            " phone_verified_at = now(), updated_at = now()"
            " RETURNING id, parent_id, pupil_id, phone, types, language, active",
            body.parent_id,
            body.pupil_id,
            phone,
            sorted(set(body.types)),
            body.language,
        )
    assert row is not None
    return web.json_response(dict(row), status=200)


async def list_subscriptions(request: web.Request) -> web.Response:
    _authorize(request)
    rows = await request.app[keys.POOL].fetch(
        "SELECT id, parent_id, pupil_id, phone, types, language, active FROM subscriptions"
        " WHERE parent_id = $1 ORDER BY id",
        request.query.get("parent_id", ""),
    )
    return web.json_response({"items": [dict(r) for r in rows]})


async def credit(request: web.Request) -> web.Response:
    _authorize(request)
    parent_id = request.match_info["parent_id"]
    body = CreditIn.model_validate_json(await request.read())
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        tx = await credit_wallet(
            conn,
            parent_id,
            body.amount,
            body.currency,
            source=("gateway_clearing", "manual"),
            kind="manual_credit",
            reference=body.reference,
        )
    response = await _balance_json(request, parent_id)
    return web.json_response(response, status=201 if tx is not None else 200)


async def get_wallet(request: web.Request) -> web.Response:
    _authorize(request)
    return web.json_response(await _balance_json(request, request.match_info["parent_id"]))


async def _balance_json(request: web.Request, parent_id: str) -> dict[str, object]:
    async with request.app[keys.POOL].acquire() as conn:
        bal = await wallet_balance(conn, parent_id)
    if bal is None:
        raise ApiError(404, "not_found", "this parent has no wallet yet")
    return {
        "parent_id": parent_id,
        "currency": bal.currency,
        "posted": bal.posted,
        "held": bal.held,
        "available": bal.available,
        "available_display": format_amount(bal.available, bal.currency),
    }


class DeliveryReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: str = Field(min_length=1, max_length=40)
    provider_message_id: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "undeliverable"]
    detail: str | None = Field(default=None, max_length=500)


async def delivery_report(request: web.Request) -> web.Response:
    """For providers whose reports arrive by other means (files, polling), and for ops."""
    _authorize(request)
    body = DeliveryReportIn.model_validate_json(await request.read())
    app = request.app
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        outcome = await apply_delivery_report(
            conn,
            provider=body.provider,
            provider_message_id=body.provider_message_id,
            status=body.status,
            detail=body.detail,
            at=app[keys.CLOCK].now(),
            policy=app[keys.SETTINGS].undeliverable_policy,
        )
    if outcome == "unknown_message":
        raise ApiError(404, "not_found", "no SMS with this provider message id")
    return web.json_response({"outcome": outcome})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/internal/v1/delivery-reports", delivery_report),
        web.put("/internal/v1/subscriptions", put_subscription),
        web.get("/internal/v1/subscriptions", list_subscriptions),
        web.post("/internal/v1/wallets/{parent_id}/credits", credit),
        web.get("/internal/v1/wallets/{parent_id}", get_wallet),
    ]
