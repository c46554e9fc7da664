"""/api/v1/top-ups: a parent starts a top-up and follows it (notifier.topups.start, reads)."""

from __future__ import annotations

from typing import cast

from aiohttp import web

from billing.topup_store import TopUp
from notifier import keys
from notifier.http.api.io import json_model, read_body, read_query
from notifier.http.api.wallet_models import Currency
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute, api_routes
from notifier.http.payments.models import (
    TopUpCreatedOut,
    TopUpIn,
    TopUpOut,
    TopUpsOut,
    TopUpsQuery,
)  # fmt: skip
from notifier.topups import reads, start


async def start_top_up(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, TopUpIn)
    top_up = await start.start_top_up(
        request.app, parent.subject, body.amount, body.currency, body.gateway
    )
    return json_model(_created(top_up), status=201)


async def get_top_up(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with request.app[keys.POOL].acquire() as conn:
        top_up = await reads.read_one(conn, parent.subject, request.match_info["id"])
    return json_model(_out(top_up))


async def list_top_ups(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    query = read_query(request, TopUpsQuery)
    async with request.app[keys.POOL].acquire() as conn:
        items, next_cursor = await reads.read_page(conn, parent.subject, query.limit, query.cursor)
    return json_model(TopUpsOut(items=[_out(t) for t in items], next_cursor=next_cursor))


def _created(top_up: TopUp) -> TopUpCreatedOut:
    return TopUpCreatedOut(
        id=top_up.id, status=top_up.status, amount=top_up.amount,
        currency=cast(Currency, top_up.currency), gateway=top_up.gateway,
        payment_url=top_up.payment_url or "",
    )  # fmt: skip


def _out(top_up: TopUp) -> TopUpOut:
    return TopUpOut(
        id=top_up.id, status=top_up.status, amount=top_up.amount,
        currency=cast(Currency, top_up.currency), gateway=top_up.gateway,
        created_at=top_up.created_at,
    )  # fmt: skip


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
