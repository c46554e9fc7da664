"""Top-up rows and their status history: what the top-up functions share.

Every status change goes through `move`, which also appends to `top_up_transitions`, so the
history explains each state a top-up was ever in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

import asyncpg

from billing.types import Conn

Status = Literal[
    "created",
    "pending",
    "succeeded",
    "failed",
    "expired",
    "refunded",
    "partially_refunded",
    "disputed",
]
# Statuses in which the payer's money reached the wallet (refunds and disputes apply).
PAID: frozenset[str] = frozenset({"succeeded", "partially_refunded", "refunded", "disputed"})
# Statuses a payment confirmed by the gateway may still leave for "succeeded": a payment that
# we gave up on (expired) or saw declined may still be paid in the end.
UNPAID: frozenset[str] = frozenset({"created", "pending", "failed", "expired"})


@dataclass(frozen=True)
class TopUp:
    id: UUID
    parent_id: str
    gateway: str
    amount: int
    currency: str
    status: Status
    gateway_payment_id: str | None
    payment_url: str | None
    refunded_amount: int
    disputed_amount: int
    receivable_amount: int
    created_at: datetime
    updated_at: datetime


def from_row(row: asyncpg.Record) -> TopUp:
    """A top_ups row (SELECT *: its columns are TopUp's fields)."""
    return TopUp(**dict(row))


async def load(conn: Conn, top_up_id: UUID, *, lock: bool = False) -> TopUp | None:
    if lock:
        row = await conn.fetchrow("SELECT * FROM top_ups WHERE id = $1 FOR UPDATE", top_up_id)
    else:
        row = await conn.fetchrow("SELECT * FROM top_ups WHERE id = $1", top_up_id)
    return from_row(row) if row else None


async def lock_by_payment(conn: Conn, gateway: str, gateway_payment_id: str) -> TopUp | None:
    """The top-up a gateway payment belongs to, locked until the caller's transaction ends:
    events about one payment are applied one at a time."""
    row = await conn.fetchrow(
        "SELECT * FROM top_ups WHERE gateway = $1 AND gateway_payment_id = $2 FOR UPDATE",
        gateway,
        gateway_payment_id,
    )
    return from_row(row) if row else None


async def insert(conn: Conn, top_up: TopUp, reason: str) -> None:
    await conn.execute(
        "INSERT INTO top_ups (id, parent_id, gateway, amount, currency, status, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        top_up.id,
        top_up.parent_id,
        top_up.gateway,
        top_up.amount,
        top_up.currency,
        top_up.status,
        top_up.created_at,
    )
    await record(conn, top_up.id, None, top_up.status, reason, top_up.created_at)


async def move(
    conn: Conn,
    top_up: TopUp,
    to: Status,
    reason: str,
    *,
    at: datetime | None = None,
    refunded: int = 0,
    disputed: int = 0,
    receivable: int = 0,
) -> None:
    """Set the status, add to the running totals, and record why. `at` defaults to the
    database's clock (gateway events arrive in real time)."""
    at = await conn.fetchval(
        "UPDATE top_ups SET status = $2, updated_at = coalesce($3, now()),"
        " refunded_amount = refunded_amount + $4, disputed_amount = disputed_amount + $5,"
        " receivable_amount = receivable_amount + $6 WHERE id = $1 RETURNING updated_at",
        top_up.id,
        to,
        at,
        refunded,
        disputed,
        receivable,
    )
    await record(conn, top_up.id, top_up.status, to, reason, at)


async def record(
    conn: Conn, top_up_id: UUID, was: str | None, to: str, reason: str, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO top_up_transitions (top_up_id, from_status, to_status, reason, at)"
        " VALUES ($1, $2, $3, $4, $5)",
        top_up_id,
        was,
        to,
        reason,
        at,
    )
