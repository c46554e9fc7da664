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
    # One statement checks and reserves under the wallet's row lock, then records the hold.
    row = await conn.fetchrow(
        "WITH w AS (UPDATE ledger_accounts SET held = held + $2"
        "  WHERE kind = 'wallet' AND owner = $1 AND posted - held >= $2"
        "  RETURNING id, currency)"
        " INSERT INTO ledger_holds (account_id, amount, currency, reference, expires_at)"
        " SELECT id, $2, currency, $3, $4 FROM w RETURNING id, account_id, amount, currency",
        parent_id,
        amount,
        reference,
        expires_at,
    )
    if row is not None:
        return Hold(**dict(row))
    wallet = await wallet_balance(conn, parent_id)
    if wallet is None:
        raise NoWallet(parent_id, amount, "")
    raise InsufficientFunds(parent_id, amount, wallet.available, wallet.currency)


async def _resolve(conn: Conn, hold_id: int, status: str, why: str) -> Hold:
    _require_tx(conn)
    # Resolve and un-reserve in one statement; un-reserving before any posting means the
    # wallet's available balance never dips in between.
    row = await conn.fetchrow(
        "WITH h AS (UPDATE ledger_holds SET status = $2, resolution = $3, resolved_at = now()"
        "  WHERE id = $1 AND status = 'open' RETURNING id, account_id, amount, currency),"
        " a AS (UPDATE ledger_accounts SET held = held - h.amount FROM h"
        "  WHERE ledger_accounts.id = h.account_id RETURNING ledger_accounts.id)"
        " SELECT h.id, h.account_id, h.amount, h.currency FROM h, a",
        hold_id,
        status,
        why,
    )
    if row is None:
        current = await conn.fetchval("SELECT status FROM ledger_holds WHERE id = $1", hold_id)
        raise HoldAlreadyResolved(hold_id, current or "unknown hold")
    return Hold(**dict(row))


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
