"""Accounts, balanced transactions and wallet balances.

Every function takes a connection that is already inside a transaction: money changes commit
together with the rows that caused them, or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billing.errors import CurrencyMismatch, InvalidAmount
from billing.money import require_positive
from billing.types import Conn

# +1: debit-normal (assets, expenses); -1: credit-normal (what we owe, what we earned).
NORMAL_SIDE = {
    "wallet": -1,  # prepaid money we owe the parent
    "sms_revenue": -1,
    "gateway_clearing": 1,  # money a payment gateway owes us
    "house": 1,  # what the service itself pays for (verification codes, free notices)
    "receivable": 1,  # refunds/chargebacks beyond the remaining balance
    "opening_balance": 1,  # prepaid money the previous system took in (notifier/onboarding)
}


@dataclass(frozen=True)
class Balance:
    account_id: int
    currency: str
    posted: int
    held: int

    @property
    def available(self) -> int:
        return self.posted - self.held


@dataclass(frozen=True)
class Leg:
    """One side of a transaction: positive amount = debit, negative = credit."""

    account_id: int
    amount: int


def _require_tx(conn: Conn) -> None:
    if not conn.is_in_transaction():
        raise RuntimeError("ledger writes must run inside the caller's database transaction")


async def account(conn: Conn, kind: str, owner: str, currency: str) -> int:
    """The id of an account, opened on first use (without locking an existing row)."""
    found = await conn.fetchval(
        "SELECT id FROM ledger_accounts WHERE kind = $1 AND owner = $2 AND currency = $3",
        kind,
        owner,
        currency,
    )
    if found is not None:
        return int(found)
    await conn.execute(
        "INSERT INTO ledger_accounts (kind, owner, currency, normal_side) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (kind, owner, currency) DO NOTHING",
        kind,
        owner,
        currency,
        NORMAL_SIDE[kind],
    )
    return await account(conn, kind, owner, currency)


async def account_balance(conn: Conn, account_id: int) -> int:
    """Any account's balance on its normal side, summed from its entries."""
    value = await conn.fetchval(
        "SELECT coalesce(sum(e.amount), 0) * a.normal_side FROM ledger_accounts a"
        " LEFT JOIN ledger_entries e ON e.account_id = a.id WHERE a.id = $1 GROUP BY a.id",
        account_id,
    )
    return int(value or 0)


async def open_wallet(conn: Conn, parent_id: str, currency: str) -> int:
    """The parent's wallet, opened in `currency` on first use. A wallet holds one currency."""
    existing = await wallet_balance(conn, parent_id)
    if existing is not None:
        if existing.currency != currency:
            raise CurrencyMismatch(
                f"wallet of parent {parent_id} is in {existing.currency}, not {currency}"
            )
        return existing.account_id
    return await account(conn, "wallet", parent_id, currency)


async def wallet_balance(conn: Conn, parent_id: str) -> Balance | None:
    row = await conn.fetchrow(
        "SELECT id, currency, posted, held FROM ledger_accounts WHERE kind = 'wallet'"
        " AND owner = $1",
        parent_id,
    )
    if row is None:
        return None
    return Balance(row["id"], row["currency"], row["posted"], row["held"])


async def post(
    conn: Conn,
    *,
    kind: str,
    reference: str,
    currency: str,
    legs: Sequence[Leg],
    memo: str | None = None,
) -> int | None:
    """Record a balanced transaction once per (kind, reference).

    Returns the new transaction id, or None when that cause was already recorded.
    """
    _require_tx(conn)
    if sum(leg.amount for leg in legs) != 0 or any(leg.amount == 0 for leg in legs):
        raise InvalidAmount(f"transaction {kind}:{reference} does not balance: {legs}")
    tx_id = await conn.fetchval(
        "INSERT INTO ledger_transactions (kind, reference, memo) VALUES ($1, $2, $3)"
        " ON CONFLICT (kind, reference) DO NOTHING RETURNING id",
        kind,
        reference,
        memo,
    )
    if tx_id is None:
        return None
    await conn.executemany(
        "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
        " VALUES ($1, $2, $3, $4)",
        [(tx_id, leg.account_id, leg.amount, currency) for leg in legs],
    )
    return int(tx_id)


async def credit_wallet(
    conn: Conn,
    parent_id: str,
    amount: int,
    currency: str,
    *,
    source: tuple[str, str],
    kind: str,
    reference: str,
    memo: str | None = None,
) -> int | None:
    """Move `amount` into the parent's wallet from `source` = (account kind, owner)."""
    require_positive(amount)
    wallet_id = await open_wallet(conn, parent_id, currency)
    source_id = await account(conn, source[0], source[1], currency)
    legs = [Leg(source_id, amount), Leg(wallet_id, -amount)]
    return await post(conn, kind=kind, reference=reference, currency=currency, legs=legs, memo=memo)
