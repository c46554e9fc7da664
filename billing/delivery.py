"""Money back for SMS the network could not deliver (when the policy says so)."""

from __future__ import annotations

from billing.ledger import Leg, account, post
from billing.types import Conn


async def refund_undelivered(conn: Conn, hold_id: int) -> int | None:
    """Reverse a captured SMS charge: SMS revenue -> the parent's wallet, once per hold.

    Returns the ledger transaction id; None when there was nothing to refund (the hold was
    never captured) or it was refunded before."""
    hold = await conn.fetchrow(
        "SELECT account_id, amount, currency FROM ledger_holds"
        " WHERE id = $1 AND status = 'captured'",
        hold_id,
    )
    if hold is None:
        return None
    revenue = await account(conn, "sms_revenue", "", hold["currency"])
    legs = [Leg(revenue, hold["amount"]), Leg(hold["account_id"], -hold["amount"])]
    return await post(
        conn,
        kind="sms_refund",
        reference=f"hold:{hold_id}",
        currency=hold["currency"],
        legs=legs,
        memo="undeliverable",
    )
