"""Capturing many holds at once, with the wallets locked last and briefly.

A capture does not change what a parent can spend (available = posted - held: both drop by
the same amount), so the heavy part — each hold marked captured, its balanced ledger
transaction (wallet -> SMS revenue, unique per hold) written and checked — needs no wallet
lock: `record_captures` does it first. Only then does the caller lock the wallets (with any
others its transaction changes, in one statement, in account order) and `post_captures`
moves each wallet's posted and held once. Between the two the wallet rows lag their entries,
inside the transaction only: nobody else can see it.
"""

from __future__ import annotations

from collections.abc import Sequence

from asyncpg import Record

from billing.batch_holds import lock_wallets_of_holds
from billing.ledger import _require_tx, account
from billing.types import Conn

_CAPTURE = """
WITH h AS (
  UPDATE ledger_holds SET status = 'captured', resolution = 'accepted by provider',
         resolved_at = now(), transaction_id = nextval('ledger_transactions_id_seq')
    FROM unnest($1::bigint[]) AS d(id)
   WHERE ledger_holds.id = d.id AND ledger_holds.status = 'open'
  RETURNING ledger_holds.id, account_id, amount, currency, transaction_id),
t AS (
  INSERT INTO ledger_transactions (id, kind, reference)
  SELECT transaction_id, 'sms_charge', 'hold:' || id FROM h),
e AS (  -- a transaction's two entries side by side: the balance check runs once for both
  INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)
  SELECT * FROM (
    SELECT transaction_id, account_id, amount, currency FROM h
    UNION ALL
    SELECT h.transaction_id, r.id, -h.amount, h.currency FROM h
      JOIN ledger_accounts r ON r.kind = 'sms_revenue' AND r.owner = '' AND r.currency = h.currency
  ) x ORDER BY transaction_id)
SELECT id, account_id, amount FROM h
"""

# The wallet's side of its captures, as the ledger trigger would post it, and the holds gone.
_POST = """
UPDATE ledger_accounts w SET posted = w.posted + s.amount * w.normal_side,
       held = w.held - s.amount
  FROM (SELECT account_id, sum(amount) AS amount
          FROM unnest($1::bigint[], $2::bigint[]) AS c(account_id, amount)
         GROUP BY account_id) s
 WHERE w.id = s.account_id
"""


async def record_captures(conn: Conn, hold_ids: Sequence[int]) -> list[Record]:
    """Capture every open hold among `hold_ids` in the ledger, wallets untouched; returns the
    holds captured now (id, account_id, amount), for `post_captures`. Those resolved before
    are left alone. The caller must call `post_captures` with them in this transaction."""
    _require_tx(conn)
    if not hold_ids:
        return []
    for currency in await _currencies(conn, hold_ids):
        await account(conn, "sms_revenue", "", currency)  # exists after the first charge
    await conn.execute("SELECT set_config('ledger.wallets_posted_by_caller', 'on', true)")
    rows = list(await conn.fetch(_CAPTURE, list(hold_ids)))
    await conn.execute("SELECT set_config('ledger.wallets_posted_by_caller', '', true)")
    # Every transaction balances: checked now, not at commit, while no wallet is locked.
    await conn.execute("SET CONSTRAINTS ledger_entries_balanced IMMEDIATE")
    await conn.execute("SET CONSTRAINTS ledger_entries_balanced DEFERRED")
    return rows


async def post_captures(conn: Conn, captured: Sequence[Record]) -> None:
    """Move the wallets' balances for `record_captures`' result; the caller has locked them."""
    if captured:
        await conn.execute(
            _POST, [c["account_id"] for c in captured], [c["amount"] for c in captured]
        )


async def capture_holds(conn: Conn, hold_ids: Sequence[int]) -> list[int]:
    """Charge every open hold among `hold_ids`: wallet -> SMS revenue, one balanced ledger
    transaction per hold. Returns the holds captured now; those resolved before are left
    alone."""
    captured = await record_captures(conn, hold_ids)
    await lock_wallets_of_holds(conn, [c["id"] for c in captured])
    await post_captures(conn, captured)
    return [c["id"] for c in captured]


async def _currencies(conn: Conn, hold_ids: Sequence[int]) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT currency FROM ledger_holds WHERE id = ANY($1::bigint[])", list(hold_ids)
    )
    return [r[0] for r in rows]
