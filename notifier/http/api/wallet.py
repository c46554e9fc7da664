"""The parent's prepaid SMS wallet: balance, statement, messages sent, what a text costs."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from aiohttp import web

from billing.money import format_amount
from notifier import keys
from notifier.http.api.io import json_model, now, pool, read_body, read_query
from notifier.http.api.wallet_models import (
    BalanceOut,
    CostHintOut,
    CostHintsOut,
    CostHintsQuery,
    CostPreviewIn,
    CostPreviewOut,
    Currency,
    MessageOut,
    MessagesOut,
    MessagesQuery,
    StatementLineOut,
    StatementOut,
    StatementQuery,
)
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.cost_hints import cost_hints
from notifier.manager.message_reasons import Reason, reasons
from notifier.manager.messages import messages
from notifier.manager.roster import linked_child
from notifier.manager.statement import statement
from notifier.manager.wallet import cost_preview, wallet_view


async def get_balance(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with pool(request).acquire() as conn:
        wallet = await wallet_view(conn, parent.subject, now(request))
    display = format_amount(wallet.available, wallet.currency) if wallet.currency else "0.00"
    return json_model(
        BalanceOut(
            currency=cast(Currency | None, wallet.currency),
            available=wallet.available,
            held=wallet.held,
            posted=wallet.posted,
            available_display=display,
            price_per_part=wallet.price_per_part,
            sms_parts_covered=wallet.sms_parts_covered,
        )
    )


async def get_statement(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    query = read_query(request, StatementQuery)
    async with pool(request).acquire() as conn:
        found = await statement(
            conn, parent.subject, language=query.language, limit=query.limit, cursor=query.cursor
        )
    items = [
        StatementLineOut(id=line.entry_id, at=line.at, amount=line.amount,
                         currency=cast(Currency, line.currency), kind=line.kind,
                         description=line.description, child=line.child, sms_kind=line.sms_kind,
                         refund_reason=line.refund_reason, refund_of=line.refund_of,
                         gateway=line.gateway)
        for line in found.items
    ]  # fmt: skip
    return json_model(StatementOut(items=items, next_cursor=found.next_cursor))


async def list_messages(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    query = read_query(request, MessagesQuery)
    async with pool(request).acquire() as conn:
        if query.pupil_id is not None:
            await linked_child(conn, parent.subject, query.pupil_id)
        found = await messages(
            conn, parent.subject, pupil_id=query.pupil_id, limit=query.limit, cursor=query.cursor
        )
        grace = timedelta(minutes=request.app[keys.SETTINGS].grade_alert_grace_minutes)
        why = await reasons(
            conn, [m.id for m in found.items], now=now(request), grace=grace,
            language=query.language,
        )  # fmt: skip
    items = [
        _explained(MessageOut.model_validate(m, from_attributes=True), why.get(m.id))
        for m in found.items
    ]
    return json_model(MessagesOut(items=items, next_cursor=found.next_cursor))


def _explained(message: MessageOut, said: Reason | None) -> MessageOut:
    if said is None:
        return message
    why = {"reason_code": said.code, "reason": said.text, "waiting_until": said.until}
    return message.model_copy(update=why)


async def preview_cost(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, CostPreviewIn)
    async with pool(request).acquire() as conn:
        preview = await cost_preview(conn, parent.subject, body.text, now(request))
    return json_model(
        CostPreviewOut(
            encoding=preview.sms.encoding,
            parts=preview.sms.parts,
            characters=preview.sms.units,
            price=preview.price,
            currency=cast(Currency, preview.currency),
            price_display=format_amount(preview.price, preview.currency),
        )
    )


async def get_cost_hints(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    query = read_query(request, CostHintsQuery)
    max_parts = request.app[keys.SETTINGS].sms_max_parts
    async with pool(request).acquire() as conn:
        child = await linked_child(conn, parent.subject, request.match_info["pupil_id"])
        hints = await cost_hints(
            conn, parent.subject, child.first_name, query.language, now(request), max_parts
        )
    items = [
        CostHintOut(type=h.type, sample=h.sample, parts=h.preview.sms.parts,
                    price=h.preview.price, currency=cast(Currency, h.preview.currency),
                    price_display=format_amount(h.preview.price, h.preview.currency))
        for h in hints
    ]  # fmt: skip
    return json_model(CostHintsOut(items=items))


TABLE = [
    ApiRoute("GET", "/api/v1/balance", get_balance, "The prepaid SMS balance",
             response=BalanceOut),
    ApiRoute("GET", "/api/v1/balance/statement", get_statement,
             "Money in and out of the balance, newest first", query=StatementQuery,
             response=StatementOut),
    ApiRoute("GET", "/api/v1/messages", list_messages, "SMS sent to the parent, newest first",
             query=MessagesQuery, response=MessagesOut, errors=(404,)),
    ApiRoute("GET", "/api/v1/children/{pupil_id}/cost-hints", get_cost_hints,
             "A typical SMS of each type for this child, its parts and price",
             query=CostHintsQuery, response=CostHintsOut, errors=(404,)),
    ApiRoute("POST", "/api/v1/cost-preview", preview_cost,
             "SMS parts and price of a text, before it is sent", body=CostPreviewIn,
             response=CostPreviewOut),
]  # fmt: skip
