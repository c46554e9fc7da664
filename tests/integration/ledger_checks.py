"""Invariants of the ledger, checked straight from the tables."""

from __future__ import annotations

from billing.types import Conn


async def assert_ledger_invariants(conn: Conn) -> None:
    unbalanced = await conn.fetch(
        "SELECT transaction_id, currency, sum(amount) FROM ledger_entries"
        " GROUP BY transaction_id, currency HAVING sum(amount) <> 0"
    )
    assert unbalanced == [], f"unbalanced transactions: {unbalanced}"
    drift = await conn.fetch(
        "SELECT a.id, a.posted, coalesce(sum(e.amount), 0) * a.normal_side AS from_entries"
        " FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id"
        " WHERE a.kind IN ('wallet', 'receivable')"
        " GROUP BY a.id HAVING a.posted <> coalesce(sum(e.amount), 0) * a.normal_side"
    )
    assert drift == [], f"balances differ from their entries: {drift}"
    held = await conn.fetch(
        "SELECT a.id, a.held, coalesce(sum(h.amount) FILTER (WHERE h.status = 'open'), 0) AS open"
        " FROM ledger_accounts a LEFT JOIN ledger_holds h ON h.account_id = a.id GROUP BY a.id"
        " HAVING a.held <> coalesce(sum(h.amount) FILTER (WHERE h.status = 'open'), 0)"
    )
    assert held == [], f"held amounts differ from open holds: {held}"
    negative = await conn.fetch(
        "SELECT id, posted, held FROM ledger_accounts WHERE kind = 'wallet' AND posted - held < 0"
    )
    assert negative == [], f"wallets below zero: {negative}"
    trial = await conn.fetch("SELECT currency, sum(amount) FROM ledger_entries GROUP BY currency")
    assert all(row["sum"] == 0 for row in trial), f"trial balance is off: {trial}"
