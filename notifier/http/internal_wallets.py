"""Internal API: manual wallet credits (idempotent per reference) and balances."""

from __future__ import annotations

from aiohttp import web

from billing.money import format_amount
from notifier.http.errors import ApiError
from notifier.http.internal_auth import authorize
from notifier.http.internal_models import CreditIn
from notifier.topups.manual_credit import balance, credit_by_hand


async def credit(request: web.Request) -> web.Response:
    """201 credited; 200 this very credit was already made; 409 the reference was used for
    another credit (its parent, amount or currency differ): nothing posted, no wallet opened;
    404 the roster knows no such parent (unless ``allow_unknown_parent``)."""
    authorize(request)
    parent_id = request.match_info["parent_id"]
    body = CreditIn.model_validate_json(await request.read())
    credited = await credit_by_hand(
        request.app, parent_id, body.amount, body.currency, body.reference,
        allow_unknown_parent=body.allow_unknown_parent,
    )  # fmt: skip
    response = await _balance_json(request, parent_id)
    return web.json_response(response, status=201 if credited else 200)


async def get_wallet(request: web.Request) -> web.Response:
    authorize(request)
    return web.json_response(await _balance_json(request, request.match_info["parent_id"]))


async def _balance_json(request: web.Request, parent_id: str) -> dict[str, object]:
    bal = await balance(request.app, parent_id)
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
