"""/api/v1/top-ups: a parent starts a top-up and follows it.

A top-up is created (limits checked) and committed before the gateway is asked for a
payment, so a gateway outage leaves a visible failed top-up rather than a lost request.
"""

from __future__ import annotations

import logging
from typing import cast
from uuid import UUID

from aiohttp import web

from billing.errors import CurrencyMismatch
from billing.topup_store import TopUp, load, move
from billing.topups import (
    AmountOutOfRange,
    DailyLimitReached,
    TopUpLimits,
    attach_payment,
    create_top_up,
)  # fmt: skip
from gateways.payments import PaymentGatewayError, PaymentRequest
from notifier import keys
from notifier.http.api.io import json_model, read_body, read_query
from notifier.http.api.wallet_models import Currency
from notifier.http.auth import authenticate
from notifier.http.errors import ApiError
from notifier.http.openapi import ApiRoute, api_routes
from notifier.http.payments.errors import daily_limit, out_of_range, wrong_currency
from notifier.http.payments.models import (
    TopUpCreatedOut,
    TopUpIn,
    TopUpOut,
    TopUpsOut,
    TopUpsQuery,
)  # fmt: skip
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.reads import parent_currency, read_one, read_page

log = logging.getLogger(__name__)
DESCRIPTION = "Пополнение SMS-баланса"  # shown on the gateway's payment page


async def start_top_up(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, TopUpIn)
    settings, pool = request.app[keys.SETTINGS], request.app[keys.POOL]
    name = body.gateway or settings.payment_gateway
    gateway = request.app[PAYMENT_GATEWAYS].get(name)
    if gateway is None:
        field = [{"field": "gateway", "message": f"payment gateway {name!r} is not available"}]
        raise ApiError(422, "gateway_unavailable", "this payment method is not available", field)
    limits = TopUpLimits(settings.top_up_min, settings.top_up_max, settings.top_up_daily_limit)
    try:
        async with pool.acquire() as conn:
            currency = body.currency or await parent_currency(conn, parent.subject)
            async with conn.transaction():
                top_up = await create_top_up(
                    conn, parent_id=parent.subject, amount=body.amount, currency=currency,
                    gateway=name, limits=limits, now=request.app[keys.CLOCK].now(),
                )  # fmt: skip
    except AmountOutOfRange as exc:
        raise out_of_range(exc) from exc
    except CurrencyMismatch as exc:
        raise wrong_currency(exc) from exc
    except DailyLimitReached as exc:
        return daily_limit(exc)
    back = f"{settings.public_base_url.rstrip('/')}/manager?top_up={top_up.id}"
    payment = PaymentRequest(
        top_up.id, top_up.amount, top_up.currency, DESCRIPTION, back, back,
        customer_ref=parent.subject, idempotency_key=f"top-up-{top_up.id}",
    )  # fmt: skip
    try:
        session = await gateway.create_payment(payment)
    except PaymentGatewayError as exc:
        await _gateway_failed(request, top_up.id, exc)
        raise ApiError(502, "gateway_unavailable", "the payment gateway did not answer") from exc
    async with pool.acquire() as conn, conn.transaction():
        top_up = await attach_payment(conn, top_up.id, session)
    return json_model(_created(top_up), status=201)


async def _gateway_failed(request: web.Request, top_up_id: UUID, exc: Exception) -> None:
    log.error("top-up %s: the gateway refused to open a payment: %s", top_up_id, exc)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        top_up = await load(conn, top_up_id, lock=True)
        if top_up is not None and top_up.status == "created":
            await move(conn, top_up, "failed", f"the gateway did not open a payment: {exc}")


def _created(top_up: TopUp) -> TopUpCreatedOut:
    return TopUpCreatedOut(
        id=top_up.id, status=top_up.status, amount=top_up.amount,
        currency=cast(Currency, top_up.currency), gateway=top_up.gateway,
        payment_url=top_up.payment_url or "",
    )  # fmt: skip


async def get_top_up(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with request.app[keys.POOL].acquire() as conn:
        top_up = await read_one(conn, parent.subject, request.match_info["id"])
    return json_model(top_up)


async def list_top_ups(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    query = read_query(request, TopUpsQuery)
    async with request.app[keys.POOL].acquire() as conn:
        page = await read_page(conn, parent.subject, query.limit, query.cursor)
    return json_model(page)


TABLE = [
    ApiRoute("POST", "/api/v1/top-ups", start_top_up, "Start a top-up of the SMS balance",
             body=TopUpIn, response=TopUpCreatedOut, status=201, errors=(429, 502),
             tag="payments"),
    ApiRoute("GET", "/api/v1/top-ups", list_top_ups, "The parent's top-ups, newest first",
             query=TopUpsQuery, response=TopUpsOut, tag="payments"),
    ApiRoute("GET", "/api/v1/top-ups/{id}", get_top_up, "One top-up and where it stands",
             response=TopUpOut, tag="payments"),
]  # fmt: skip


def routes() -> list[web.RouteDef]:
    return api_routes(TABLE)
