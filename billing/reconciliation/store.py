"""Reconciliation runs and their findings, stored and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from billing.reconciliation.matching import Finding
from billing.reports import Period
from billing.types import Conn

Trigger = Literal["schedule", "manual"]
Status = Literal["completed", "failed"]


@dataclass(frozen=True)
class NewRun:
    period: Period
    trigger: Trigger
    requested_by: str | None
    gateways: tuple[str, ...]


@dataclass(frozen=True)
class RunSummary:
    id: int
    period: Period
    trigger: Trigger
    gateways: tuple[str, ...]
    status: Status
    error: str | None
    findings: tuple[Finding, ...]
    created_at: datetime

    @property
    def mismatches(self) -> list[Finding]:
        return [f for f in self.findings if f.mismatch]


async def save_run(
    conn: Conn, run: NewRun, findings: tuple[Finding, ...], error: str | None
) -> RunSummary:
    """Store a run. A second completed scheduled run of the same period (another instance's
    scheduler) is not stored: the first one is returned instead."""
    mismatched = sum(f.mismatch for f in findings)
    row = await conn.fetchrow(
        "INSERT INTO reconciliation_runs (period_from, period_to, trigger, requested_by,"
        " gateways, status, error, matched, mismatched) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
        " $9) ON CONFLICT (period_from, period_to) WHERE trigger = 'schedule'"
        " AND status = 'completed' DO NOTHING RETURNING id",
        *(run.period.first, run.period.last, run.trigger, run.requested_by, list(run.gateways)),
        *("failed" if error else "completed", error, len(findings) - mismatched, mismatched),
    )
    if row is None:
        run_id = await conn.fetchval(
            "SELECT id FROM reconciliation_runs WHERE period_from = $1 AND period_to = $2"
            " AND trigger = 'schedule' AND status = 'completed'",
            run.period.first,
            run.period.last,
        )
    else:
        run_id = row["id"]
        await conn.executemany(
            "INSERT INTO reconciliation_findings (run_id, gateway, item_kind, item_key, finding,"
            " ledger_amount, ledger_currency, ledger_transaction_ids, gateway_amount,"
            " gateway_currency, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [_finding_row(run_id, f) for f in findings],
        )
    loaded = await load_run(conn, int(run_id))
    assert loaded is not None
    return loaded


async def load_run(conn: Conn, run_id: int) -> RunSummary | None:
    run = await conn.fetchrow("SELECT * FROM reconciliation_runs WHERE id = $1", run_id)
    if run is None:
        return None
    rows = await conn.fetch(
        "SELECT * FROM reconciliation_findings WHERE run_id = $1 ORDER BY id", run_id
    )
    return RunSummary(
        id=run["id"],
        period=Period(run["period_from"], run["period_to"]),
        trigger=run["trigger"],
        gateways=tuple(run["gateways"]),
        status=run["status"],
        error=run["error"],
        findings=tuple(_finding(r) for r in rows),
        created_at=run["created_at"],
    )


def _finding_row(run_id: int, f: Finding) -> tuple[object, ...]:
    return (run_id, f.gateway, f.kind, f.key, f.finding, f.ledger_amount, f.ledger_currency,
            list(f.transaction_ids), f.gateway_amount, f.gateway_currency, f.at)  # fmt: skip


def _finding(r: asyncpg.Record) -> Finding:
    return Finding(
        gateway=r["gateway"],
        kind=r["item_kind"],
        key=r["item_key"],
        finding=r["finding"],
        ledger_amount=r["ledger_amount"],
        ledger_currency=r["ledger_currency"],
        gateway_amount=r["gateway_amount"],
        gateway_currency=r["gateway_currency"],
        at=r["occurred_at"],
        transaction_ids=tuple(r["ledger_transaction_ids"]),
    )
