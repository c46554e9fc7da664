"""A reconciliation run: fetch both sides for a period, match them, store the run and findings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg

from billing.reconciliation.gateways import ListsTransactions, gateway_items
from billing.reconciliation.matching import Item, ItemKind, reconcile, within
from billing.reconciliation.store import NewRun, RunSummary, Trigger, save_run
from billing.reports import Period
from billing.types import Conn

log = logging.getLogger(__name__)

# Both sides are read this much beyond the period, so an item recorded on one side just
# before midnight and on the other just after still matches (and is reported once).
GRACE = timedelta(days=1)
# Ledger kind -> (gateway item kind, sign turning the gateway clearing movement into the
# item's amount): a payment is what came in; a refund or dispute is what went out, so money
# given back after a won dispute counts negative and a dispute lost then won nets to zero.
LEDGER_KINDS: dict[str, tuple[ItemKind, int]] = {
    "top_up": ("payment", 1),
    "refund": ("refund", -1),
    "dispute_lost": ("dispute", -1),
    "dispute_won": ("dispute", -1),
}


async def run_reconciliation(
    db: asyncpg.Pool | Conn,
    gateways: Mapping[str, ListsTransactions],
    period: Period,
    *,
    trigger: Trigger = "manual",
    requested_by: str | None = None,
) -> RunSummary:
    """Reconcile `period` for every gateway in `gateways` and store the run. A gateway that
    cannot be listed fails the whole run (stored with its error): half a check proves nothing."""
    run = NewRun(period, trigger, requested_by, tuple(sorted(gateways)))
    since, until = period.start - GRACE, period.end + GRACE
    try:
        at_gateways = await gateway_items(gateways, since, until)
    except Exception as exc:  # any gateway failure: recorded on the run, which shows it
        log.exception("reconciliation of %s..%s failed", period.first, period.last)
        async with _connection(db) as conn, conn.transaction():
            return await save_run(conn, run, (), f"{type(exc).__name__}: {exc}")
    async with _connection(db) as conn, conn.transaction():
        in_ledger = await ledger_items(conn, run.gateways, since, until)
        findings = within(reconcile(in_ledger, at_gateways), period.start, period.end)
        return await save_run(conn, run, tuple(findings), None)


async def ledger_items(
    conn: Conn, gateways: tuple[str, ...], since: datetime, until: datetime
) -> list[Item]:
    """Gateway money movements as the ledger records them: the gateway is the owner of the
    transaction's gateway_clearing leg, the amount what moved through that account."""
    rows = await conn.fetch(
        "SELECT t.id, t.kind, t.reference, t.created_at, a.owner, e.currency,"
        " sum(e.amount)::bigint AS amount FROM ledger_transactions t"
        " JOIN ledger_entries e ON e.transaction_id = t.id"
        " JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'gateway_clearing'"
        " WHERE t.kind = ANY ($1::text[]) AND a.owner = ANY ($2::text[])"
        " AND t.created_at >= $3 AND t.created_at < $4"
        " GROUP BY t.id, a.owner, e.currency",
        list(LEDGER_KINDS),
        list(gateways),
        since,
        until,
    )
    return [_ledger_item(row) for row in rows]


def _ledger_item(row: asyncpg.Record) -> Item:
    kind, sign = LEDGER_KINDS[row["kind"]]
    key = row["reference"]
    if kind == "payment":  # top-ups are referenced "<gateway>:<gateway payment id>"
        key = key.removeprefix(f"{row['owner']}:")
    return Item(row["owner"], kind, key, sign * row["amount"], row["currency"],
                row["created_at"], row["id"])  # fmt: skip


@asynccontextmanager
async def _connection(db: asyncpg.Pool | Conn) -> AsyncIterator[Conn]:
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            yield conn
    else:
        yield db
