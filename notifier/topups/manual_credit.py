"""Money put on a wallet by hand (operations, the core system), once per reference."""

from __future__ import annotations

from aiohttp import web

from billing.ledger import Balance, credit_wallet, wallet_balance
from billing.types import Conn
from notifier import keys
from notifier.topups.errors import ReferenceConflict, UnknownParent


async def credit_by_hand(
    app: web.Application,
    parent_id: str,
    amount: int,
    currency: str,
    reference: str,
    *,
    allow_unknown_parent: bool = False,
) -> bool:
    """True when credited now; False when this very credit was made before. ReferenceConflict
    when the reference was used for another credit, UnknownParent when the roster has no such
    parent (and the caller did not allow it): nothing posted, no wallet opened."""
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        if not allow_unknown_parent and not await _in_roster(conn, parent_id):
            # Money for a parent no school knows would sit in a wallet of no school.
            raise UnknownParent(f"the roster has no parent {parent_id!r}")
        tx = await credit_wallet(
            conn, parent_id, amount, currency, source=("gateway_clearing", "manual"),
            kind="manual_credit", reference=reference,
        )  # fmt: skip
        if tx is None and await _earlier_credit(conn, reference) != (parent_id, amount, currency):
            # Raised inside the transaction: a wallet opened for nothing is rolled back.
            raise ReferenceConflict("this reference was used for another credit")
    return tx is not None


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


async def balance(app: web.Application, parent_id: str) -> Balance | None:
    async with app[keys.POOL].acquire() as conn:
        return await wallet_balance(conn, parent_id)
