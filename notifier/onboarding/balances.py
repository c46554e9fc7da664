"""One batch of opening balances, set-based, posted through the ledger in the caller's
transaction.

The batch is one journal (ledger transaction kind `opening_balance`, reference
`<import id>:<batch>`): each wallet credited, the `opening_balance` account of each currency
debited with the total. Each balance is recorded once by its external reference in
`opening_balances`: the same reference again with the same parent, currency and amount is
already imported (nothing posted); with anything else it is refused. A parent whose wallet is
in another currency is refused (a wallet holds one currency). Wallets are opened for the
batch in one statement and locked in account-id order, the order every batch that changes
wallets takes, so an import beside a running service cannot deadlock with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from billing.ledger import _require_tx, account
from billing.types import Conn
from notifier.onboarding.rows import BalanceRow

STAGE = "import_balances_stage"
ACCOUNT = "opening_balance"  # ledger account kind, owner '' (one per currency)
_CREATE = """
CREATE TEMP TABLE IF NOT EXISTS import_balances_stage (
    row bigint, parent_id text, currency text, amount bigint, reference text
) ON COMMIT DELETE ROWS
"""
_OPEN_WALLETS = """
INSERT INTO ledger_accounts (kind, owner, currency, normal_side)
SELECT DISTINCT ON (parent_id) 'wallet', parent_id, currency, -1  -- credit-normal
  FROM import_balances_stage ORDER BY parent_id, row
ON CONFLICT DO NOTHING
"""
_LOCK_WALLETS = """
SELECT 1 FROM ledger_accounts WHERE kind = 'wallet'
   AND owner IN (SELECT parent_id FROM import_balances_stage) ORDER BY id FOR NO KEY UPDATE
"""
_OTHER_REFERENCE = """
DELETE FROM import_balances_stage s USING opening_balances o
 WHERE o.reference = s.reference
   AND (o.parent_id, o.currency, o.amount) <> (s.parent_id, s.currency, s.amount)
RETURNING s.row, 'reference ' || s.reference || ' was imported before for another parent,'
          || ' currency or amount' AS why
"""
_OTHER_CURRENCY = """
DELETE FROM import_balances_stage s USING ledger_accounts w
 WHERE w.kind = 'wallet' AND w.owner = s.parent_id AND w.currency <> s.currency
RETURNING s.row, 'the wallet of parent ' || s.parent_id || ' is in ' || w.currency
          || ', not ' || s.currency AS why
"""
_POST = """
WITH n AS (
  INSERT INTO opening_balances (reference, parent_id, currency, amount, transaction_id,
                                imported_at)
  SELECT reference, parent_id, currency, amount,
         CASE WHEN amount > 0 THEN $1::bigint END, $2 FROM import_balances_stage ORDER BY reference
  ON CONFLICT (reference) DO NOTHING
  RETURNING parent_id, currency, amount),
e AS (
  INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)
  SELECT $1, w.id, -n.amount, n.currency FROM n
    JOIN ledger_accounts w ON w.kind = 'wallet' AND w.owner = n.parent_id
   WHERE n.amount > 0
  UNION ALL
  SELECT $1, o.id, sum(n.amount), n.currency FROM n
    JOIN ledger_accounts o
      ON o.kind = 'opening_balance' AND o.owner = '' AND o.currency = n.currency
   GROUP BY o.id, n.currency HAVING sum(n.amount) > 0),
t AS (
  INSERT INTO ledger_transactions (id, kind, reference, memo)
  SELECT $1, 'opening_balance', $3, 'opening balances of an import batch'
   WHERE EXISTS (SELECT 1 FROM n WHERE amount > 0))
SELECT count(*) FROM n
"""


async def load_balances(
    conn: Conn, rows: Sequence[BalanceRow], journal: str, now: datetime
) -> tuple[int, int, list[tuple[int, str]]]:
    """(posted, already imported, [(line, reason)] refused)."""
    _require_tx(conn)
    await conn.execute(_CREATE)
    await conn.copy_records_to_table(STAGE, records=rows)
    # Refused rows open nothing: no empty wallet, no account of a currency nobody posts in.
    refused = [(r["row"], r["why"]) for r in await conn.fetch(_OTHER_REFERENCE)]
    await conn.execute(_OPEN_WALLETS)
    await conn.execute(_LOCK_WALLETS)
    refused += [(r["row"], r["why"]) for r in await conn.fetch(_OTHER_CURRENCY)]
    for currency in await conn.fetch("SELECT DISTINCT currency FROM import_balances_stage"):
        await account(conn, ACCOUNT, "", currency[0])
    # The journal is written only when the batch posts money (not for a batch already in).
    tx_id = await conn.fetchval("SELECT nextval('ledger_transactions_id_seq')")
    posted = int(await conn.fetchval(_POST, tx_id, now, journal))
    return posted, len(rows) - len(refused) - posted, refused
