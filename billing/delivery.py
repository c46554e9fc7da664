"""Money back for SMS that were not delivered: refunds to parents (when the policy says so)
and reversals of what the house paid for free SMS that were never sent."""

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


async def reverse_house_sms(conn: Conn, notification_id: int) -> int | None:
    """Undo the house's payment for a free SMS (verification code, notice) that could not be
    sent, so revenue counts only SMS that went out. Once; None if there was nothing to undo."""
    reference = f"notification:{notification_id}"
    entries = await conn.fetch(
        "SELECT e.account_id, e.amount, e.currency FROM ledger_entries e"
        " JOIN ledger_transactions t ON t.id = e.transaction_id"
        " WHERE t.kind = 'house_sms' AND t.reference = $1",
        reference,
    )
    if not entries:
        return None
    legs = [Leg(e["account_id"], -e["amount"]) for e in entries]
    return await post(
        conn,
        kind="house_sms_reversal",
        reference=reference,
        currency=entries[0]["currency"],
        legs=legs,
        memo="not sent",
    )
