"""Money going back to the payer (refunds, lost disputes) and coming back (won disputes).

A refund takes what the wallet has available; anything beyond is booked to the parent's
"receivable" account rather than clamped away, so the ledger still shows the full amount
the gateway returned and finance can see what the parent owes.
"""

from __future__ import annotations

from billing import ledger
from billing.ledger import Leg
from billing.topup_store import TopUp
from billing.types import Conn


async def take_back(
    conn: Conn, top_up: TopUp, kind: str, reference: str, amount: int
) -> int | None:
    """Post `amount` from the wallet (and receivable) to the gateway's clearing account.

    Returns the shortfall booked as receivable, or None if (kind, reference) was posted before.
    """
    available = await _lock_available(conn, top_up.parent_id, top_up.currency)
    taken = min(amount, available)
    shortfall = amount - taken
    legs = [Leg(await _clearing(conn, top_up), -amount)]
    if taken:
        wallet = await ledger.account(conn, "wallet", top_up.parent_id, top_up.currency)
        legs.append(Leg(wallet, taken))
    if shortfall:
        legs.append(Leg(await _receivable(conn, top_up), shortfall))
    posted = await ledger.post(
        conn,
        kind=kind,
        reference=reference,
        currency=top_up.currency,
        legs=legs,
        memo=f"top-up {top_up.id}",
    )
    return None if posted is None else shortfall


async def restore(conn: Conn, top_up: TopUp, dispute_id: str) -> tuple[int, int] | None:
    """Undo a lost dispute that was won after all: (amount, recovered from receivable).

    (0, 0) when the dispute had taken nothing; None if it was restored before.
    """
    lost = await _lost_legs(conn, dispute_id)
    amount = -lost.get("gateway_clearing", 0)
    if amount <= 0:
        return 0, 0
    recovered = lost.get("receivable", 0)
    legs = [Leg(await _clearing(conn, top_up), amount)]
    if recovered:
        legs.append(Leg(await _receivable(conn, top_up), -recovered))
    if amount - recovered:
        wallet = await ledger.account(conn, "wallet", top_up.parent_id, top_up.currency)
        legs.append(Leg(wallet, -(amount - recovered)))
    posted = await ledger.post(
        conn,
        kind="dispute_won",
        reference=dispute_id,
        currency=top_up.currency,
        legs=legs,
        memo=f"top-up {top_up.id}",
    )
    return None if posted is None else (amount, recovered)


async def posted_before(conn: Conn, kind: str, reference: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM ledger_transactions WHERE kind = $1 AND reference = $2", kind, reference
    )
    return found is not None


async def _lock_available(conn: Conn, parent_id: str, currency: str) -> int:
    # Locked: an SMS hold placed meanwhile cannot spend what this refund takes.
    row = await conn.fetchrow(
        "SELECT posted - held AS available FROM ledger_accounts"
        " WHERE kind = 'wallet' AND owner = $1 AND currency = $2 FOR NO KEY UPDATE",
        parent_id,
        currency,
    )
    return max(int(row["available"]), 0) if row else 0


async def _lost_legs(conn: Conn, dispute_id: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT a.kind, e.amount FROM ledger_transactions t"
        " JOIN ledger_entries e ON e.transaction_id = t.id"
        " JOIN ledger_accounts a ON a.id = e.account_id"
        " WHERE t.kind = 'dispute_lost' AND t.reference = $1",
        dispute_id,
    )
    return {row["kind"]: int(row["amount"]) for row in rows}


async def _clearing(conn: Conn, top_up: TopUp) -> int:
    return await ledger.account(conn, "gateway_clearing", top_up.gateway, top_up.currency)


async def _receivable(conn: Conn, top_up: TopUp) -> int:
    return await ledger.account(conn, "receivable", top_up.parent_id, top_up.currency)
