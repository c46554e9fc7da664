"""Internal API: manual wallet credits (idempotent per reference) and balances."""

from __future__ import annotations

from aiohttp import web

from billing.ledger import credit_wallet, wallet_balance
from billing.money import format_amount
from billing.types import Conn
from notifier import keys
from notifier.http.errors import ApiError
from notifier.http.internal_auth import authorize
from notifier.http.internal_models import CreditIn


async def credit(request: web.Request) -> web.Response:
    """201 credited; 200 this very credit was already made; 409 the reference was used for
    another credit (its parent, amount or currency differ): nothing posted, no wallet opened;
    404 the roster knows no such parent (unless ``allow_unknown_parent``)."""
    authorize(request)
    parent_id = request.match_info["parent_id"]
    body = CreditIn.model_validate_json(await request.read())
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        if not body.allow_unknown_parent and not await _in_roster(conn, parent_id):
            # Money for a parent no school knows would sit in a wallet of no school.
            raise ApiError(404, "unknown_parent", f"the roster has no parent {parent_id!r}")
        tx = await credit_wallet(
            conn, parent_id, body.amount, body.currency, source=("gateway_clearing", "manual"),
            kind="manual_credit", reference=body.reference,
        )  # fmt: skip
        if tx is None and await _earlier_credit(conn, body.reference) != (
            parent_id, body.amount, body.currency,
        ):  # fmt: skip
            # Raised inside the transaction: a wallet opened for nothing is rolled back.
            raise ApiError(409, "reference_conflict", "this reference was used for another credit")
    response = await _balance_json(request, parent_id)
    return web.json_response(response, status=201 if tx is not None else 200)


async def _in_roster(conn: Conn, parent_id: str) -> bool:
    found = await conn.fetchval("SELECT 1 FROM parent_links WHERE parent_id = $1", parent_id)
    return found is not None


async def _earlier_credit(conn: Conn, reference: str) -> tuple[str, int, str] | None:
    row = await conn.fetchrow(
        "SELECT a.owner, -e.amount, e.currency FROM ledger_transactions t"
        " JOIN ledger_entries e ON e.transaction_id = t.id"
        " JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'wallet'"
        " WHERE t.kind = 'manual_credit' AND t.reference = $1",
        reference,
    )
    return (row[0], row[1], row[2]) if row is not None else None


async def get_wallet(request: web.Request) -> web.Response:
    authorize(request)
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
