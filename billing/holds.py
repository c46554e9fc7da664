"""Holds: money reserved for an SMS when it is queued, resolved exactly once.

A hold is captured when the provider accepts the message (the money becomes revenue) or
released on technical failure or expiry (the money is available again). Racing resolutions
are serialised by the row lock of the conditional UPDATE: one wins, the rest get
`HoldAlreadyResolved`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.errors import HoldAlreadyResolved, InsufficientFunds, NoWallet
from billing.ledger import Leg, _require_tx, account, post, wallet_balance
from billing.money import require_positive
from billing.types import Conn


@dataclass(frozen=True)
class Hold:
    id: int
    account_id: int
    amount: int
    currency: str


async def place_hold(
    conn: Conn,
    parent_id: str,
    amount: int,
    *,
    reference: str,
    expires_at: datetime,
) -> Hold:
    """Reserve `amount` of the parent's wallet, or raise InsufficientFunds. Idempotent on
    `reference`: placing the same hold twice returns the first one."""
    _require_tx(conn)
    require_positive(amount)
    existing = await conn.fetchrow(
        "SELECT id, account_id, amount, currency FROM ledger_holds WHERE reference = $1", reference
    )
    if existing is not None:
        return Hold(**dict(existing))
    wallet = await wallet_balance(conn, parent_id)
    if wallet is None:
        raise NoWallet(parent_id, amount, "")
    # The conditional update both checks and reserves under the wallet's row lock.
    reserved = await conn.fetchrow(
        "UPDATE ledger_accounts SET held = held + $2 WHERE id = $1 AND posted - held >= $2"
        " RETURNING posted - held AS available",
        wallet.account_id,
        amount,
    )
    if reserved is None:
        now = await wallet_balance(conn, parent_id)
        available = now.available if now else 0
        raise InsufficientFunds(parent_id, amount, available, wallet.currency)
    hold_id = await conn.fetchval(
        "INSERT INTO ledger_holds (account_id, amount, currency, reference, expires_at)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        wallet.account_id,
        amount,
        wallet.currency,
        reference,
        expires_at,
    )
    return Hold(int(hold_id), wallet.account_id, amount, wallet.currency)


async def _resolve(conn: Conn, hold_id: int, status: str, why: str) -> Hold:
    _require_tx(conn)
    row = await conn.fetchrow(
        "UPDATE ledger_holds SET status = $2, resolution = $3, resolved_at = now()"
        " WHERE id = $1 AND status = 'open' RETURNING id, account_id, amount, currency",
        hold_id,
        status,
        why,
    )
    if row is None:
        current = await conn.fetchval("SELECT status FROM ledger_holds WHERE id = $1", hold_id)
        raise HoldAlreadyResolved(hold_id, current or "unknown hold")
    hold = Hold(**dict(row))
    # Un-reserve before posting: the wallet's available balance never dips in between.
    await conn.execute(
        "UPDATE ledger_accounts SET held = held - $2 WHERE id = $1", hold.account_id, hold.amount
    )
    return hold


async def capture_hold(conn: Conn, hold_id: int) -> int:
    """Charge the held money: wallet -> SMS revenue. Returns the ledger transaction id."""
    hold = await _resolve(conn, hold_id, "captured", "accepted by provider")
    revenue = await account(conn, "sms_revenue", "", hold.currency)
    legs = [Leg(hold.account_id, hold.amount), Leg(revenue, -hold.amount)]
    tx_id = await post(
        conn, kind="sms_charge", reference=f"hold:{hold_id}", currency=hold.currency, legs=legs
    )
    assert tx_id is not None, "a hold resolves once, so its charge is posted once"
    await conn.execute("UPDATE ledger_holds SET transaction_id = $2 WHERE id = $1", hold_id, tx_id)
    return tx_id


async def release_hold(conn: Conn, hold_id: int, why: str) -> None:
    """Give the held money back to the wallet's available balance; nothing is charged."""
    await _resolve(conn, hold_id, "released", why)


async def expire_holds(conn: Conn, now: datetime) -> int:
    """Release every open hold past its expiry; returns how many were released."""
    ids = await conn.fetch(
        "SELECT id FROM ledger_holds WHERE status = 'open' AND expires_at <= $1", now
    )
    released = 0
    for row in ids:
        try:
            await release_hold(conn, row["id"], "expired")
            released += 1
        except HoldAlreadyResolved:
            continue
    return released
