"""Holds for many SMS at once: a constant number of statements per batch, not per SMS.

The same contract as billing/holds.py, set-based. Wallets are locked in one global order
(account id) before any of them changes, so two transactions touching the same wallets can
never deadlock. Available = posted - held >= 0 stays a CHECK on the wallet row: a batch that
would break it fails whole, it is never clamped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from billing.ledger import Balance, _require_tx
from billing.types import Conn


@dataclass(frozen=True)
class NewHold:
    id: int  # from new_hold_ids: the outbox row names its hold before the hold exists
    account_id: int
    amount: int
    currency: str
    reference: str


async def lock_wallets(conn: Conn, parent_ids: Iterable[str]) -> dict[str, Balance]:
    """Lock the parents' wallets in account-id order; their balances under the lock.
    FOR NO KEY UPDATE, as every wallet lock: it does not wait for the key-share locks that
    ledger entries take on their accounts (a settle writes its captures' entries before it
    locks wallets: billing/captures.py)."""
    _require_tx(conn)
    rows = await conn.fetch(
        "SELECT id, owner, currency, posted, held FROM ledger_accounts"
        " WHERE kind = 'wallet' AND owner = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE",
        sorted(set(parent_ids)),
    )
    return {r["owner"]: Balance(r["id"], r["currency"], r["posted"], r["held"]) for r in rows}


async def read_wallets(conn: Conn, parent_ids: Iterable[str]) -> dict[str, Balance]:
    """The parents' wallets as they are, without locking them: a first guess, to be
    checked under `lock_wallets` before any money is held."""
    rows = await conn.fetch(
        "SELECT id, owner, currency, posted, held FROM ledger_accounts"
        " WHERE kind = 'wallet' AND owner = ANY($1::text[])",
        sorted(set(parent_ids)),
    )
    return {r["owner"]: Balance(r["id"], r["currency"], r["posted"], r["held"]) for r in rows}


async def new_hold_ids(conn: Conn, count: int) -> list[int]:
    if count == 0:
        return []
    rows = await conn.fetch(
        "SELECT nextval('ledger_holds_id_seq') FROM generate_series(1, $1)", count
    )
    return [r[0] for r in rows]


async def write_holds(
    conn: Conn,
    holds: Sequence[NewHold],
    expires_at: datetime,
    *,
    created_at: datetime | None = None,
) -> None:
    """Write the hold rows, before their wallets are locked: they reserve nothing until
    `reserve_holds` moves them onto their wallets, in this transaction. `created_at`
    (default: the database's now) decides the month a hold counts in against a monthly cap."""
    _require_tx(conn)
    if not holds:
        return
    await conn.execute(
        "INSERT INTO ledger_holds (id, account_id, amount, currency, reference, expires_at,"
        " created_at) SELECT *, $6::timestamptz, coalesce($7::timestamptz, now())"
        " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])",
        [h.id for h in holds],
        [h.account_id for h in holds],
        [h.amount for h in holds],
        [h.currency for h in holds],
        [h.reference for h in holds],
        expires_at,
        created_at,
    )


async def reserve_holds(conn: Conn, holds: Sequence[NewHold]) -> None:
    """Reserve written holds on their (locked) wallets in one statement: a wallet that cannot
    afford them fails the CHECK available >= 0, and the whole batch with it."""
    if holds:
        await conn.execute(
            "UPDATE ledger_accounts a SET held = a.held + s.amount"
            " FROM (SELECT account_id, sum(amount) AS amount"
            "  FROM unnest($1::bigint[], $2::bigint[]) AS h(account_id, amount)"
            "  GROUP BY account_id) s WHERE a.id = s.account_id",
            [h.account_id for h in holds],
            [h.amount for h in holds],
        )


async def lock_wallets_of_holds(conn: Conn, hold_ids: Sequence[int]) -> None:
    """Lock the wallets of these holds in account-id order. A transaction that resolves
    holds in more than one step locks all their wallets first, in one step: two steps, each
    in order, are not one order."""
    await conn.execute(
        "SELECT 1 FROM ledger_accounts WHERE id IN (SELECT account_id FROM ledger_holds"
        " WHERE id = ANY($1::bigint[])) ORDER BY id FOR NO KEY UPDATE",
        list(hold_ids),
    )


async def release_holds(conn: Conn, releases: Sequence[tuple[int, str]]) -> list[int]:
    """Give every open hold among (hold id, why) back to its wallet; nothing is charged.
    Returns the holds released now; those resolved before are left alone."""
    _require_tx(conn)
    if not releases:
        return []
    hold_ids = [h for h, _ in releases]
    await lock_wallets_of_holds(conn, hold_ids)
    rows = await conn.fetch(
        "WITH h AS (UPDATE ledger_holds SET status = 'released', resolution = d.why,"
        "  resolved_at = now() FROM unnest($1::bigint[], $2::text[]) AS d(id, why)"
        "  WHERE ledger_holds.id = d.id AND ledger_holds.status = 'open'"
        "  RETURNING ledger_holds.id, account_id, amount),"
        " a AS (UPDATE ledger_accounts w SET held = w.held - s.amount"
        "  FROM (SELECT account_id, sum(amount) AS amount FROM h GROUP BY account_id) s"
        "  WHERE w.id = s.account_id)"
        " SELECT id FROM h",
        hold_ids,
        [why[:200] for _, why in releases],
    )
    return [r["id"] for r in rows]
