"""Settling a dispatched batch in one transaction: accepted SMS are marked sent and their
holds captured, refused ones failed and released, the rest queued again (in doubt when the
provider may have them, with the provider that may). Only rows this instance still leases
are touched, so a row another instance took over after our lease ran out is never settled
twice.

A settled SMS leaves the queue (notifier/outbox/queue.py) and its outbox row is written once,
with its final status, found by (id, created_at) from its queue row, between the batch's
oldest and newest: other months are skipped whichever way PostgreSQL joins.
One queued again changes its queue row alone.

Locks are taken in the one order every transaction on the outbox and wallets keeps (README,
"Lock order"): the batch's queue rows in id order, then their outbox rows, and only then, as
the last and shortest part, every wallet it charges or refunds in one statement in account
order, then their holds. Settling twice is harmless (the rows are no longer leased), so a
settle PostgreSQL rolled back is simply run again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from asyncpg import Record

from billing.batch_holds import lock_wallets_of_holds, release_holds
from billing.captures import post_captures, record_captures
from billing.delivery import reverse_house_sms
from billing.types import Conn
from notifier.outbox.delivery import UndeliverablePolicy
from notifier.outbox.early import apply_early
from notifier.outbox.sending import Outcome

_LOCK_ROWS = (
    "SELECT 1 FROM outbox_queue WHERE notification_id = ANY ($1::bigint[])"
    " AND lease_owner = $2 ORDER BY notification_id FOR UPDATE"
)

_SENT = """
WITH q AS (
  DELETE FROM outbox_queue q USING unnest($1::bigint[], $4::text[], $5::text[]) AS d(id, p, m)
   WHERE q.notification_id = d.id AND q.lease_owner = $2
  RETURNING q.notification_id, q.created_at, q.attempts, d.p, d.m)
UPDATE notifications n SET status = 'sent', sent_at = $3, provider = q.p,
       provider_message_id = q.m, last_error = NULL, attempts = q.attempts
  FROM q WHERE n.id = q.notification_id AND n.created_at = q.created_at
   AND n.created_at BETWEEN (SELECT min(created_at) FROM q) AND (SELECT max(created_at) FROM q)
RETURNING n.id, n.hold_id, n.parent_id, n.provider, n.provider_message_id
"""

_FAILED = """
WITH q AS (
  DELETE FROM outbox_queue q USING unnest($1::bigint[], $3::text[]) AS d(id, error)
   WHERE q.notification_id = d.id AND q.lease_owner = $2
  RETURNING q.notification_id, q.created_at, q.attempts, d.error)
UPDATE notifications n SET status = 'failed', last_error = q.error, attempts = q.attempts,
       failed_at = $4
  FROM q WHERE n.id = q.notification_id AND n.created_at = q.created_at
   AND n.created_at BETWEEN (SELECT min(created_at) FROM q) AND (SELECT max(created_at) FROM q)
RETURNING n.id, n.hold_id, q.error
"""

# The first provider a row is known to be in doubt at stays its provider (every later
# attempt went there alone).
_AGAIN = """
UPDATE outbox_queue q SET due_at = d.at, last_error = d.error, lease_owner = NULL,
       in_doubt = q.in_doubt OR d.doubt,
       in_doubt_provider = coalesce(q.in_doubt_provider, d.maybe_at)
  FROM unnest($1::bigint[], $3::timestamptz[], $4::text[], $5::bool[], $6::text[])
       AS d(id, at, error, doubt, maybe_at)
 WHERE q.notification_id = d.id AND q.lease_owner = $2
"""


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts * 5, 3600))


async def settle(
    conn: Conn, owner: str, outcomes: Sequence[Outcome], now: datetime, max_attempts: int,
    policy: UndeliverablePolicy = "refund",
) -> list[str]:  # fmt: skip
    """Record every outcome, and receipts that came before their message's id was recorded
    (`policy` for them); returns the parents whose wallets were charged."""
    by: dict[str, list[Outcome]] = {"accepted": [], "failed": [], "again": []}
    for o in outcomes:
        gave_up = o.verdict == "retry" and o.row["attempts"] >= max_attempts
        key = (
            "failed" if gave_up else ("again" if o.verdict in ("retry", "in_doubt") else o.verdict)
        )
        by[key].append(o)
    await conn.execute(_LOCK_ROWS, sorted(o.row["id"] for o in outcomes), owner)
    sent = await _rows(conn, _SENT, by["accepted"], owner, now,
                       [o.provider for o in by["accepted"]],
                       [o.provider_message_id for o in by["accepted"]])  # fmt: skip
    errors = [
        o.error if o.verdict == "failed" else f"gave up after {max_attempts} attempts: {o.error}"
        for o in by["failed"]
    ]
    failed = await _rows(conn, _FAILED, by["failed"], owner, errors, now)
    await _again(conn, owner, by["again"], now)
    # The ledger half of the captures needs no wallet (billing/captures.py); the wallets
    # come last, for one UPDATE, the (rare) releases and receipts that came early.
    captured = await record_captures(conn, [r["hold_id"] for r in sent if r["hold_id"]])
    holds = [r["hold_id"] for r in (*sent, *failed) if r["hold_id"] is not None]
    if holds:  # all at once: charged ones first, then refunded ones, would be two orders
        await lock_wallets_of_holds(conn, holds)
    await post_captures(conn, captured)
    recorded = [(r["provider"], r["provider_message_id"]) for r in sent]
    await apply_early(conn, [(p, m) for p, m in recorded if p and m], policy)
    await release_holds(conn, [(r["hold_id"], r["error"]) for r in failed if r["hold_id"]])
    for row in failed:
        if row["hold_id"] is None:  # a free SMS: the house paid when it was queued
            await reverse_house_sms(conn, row["id"])
    return sorted({r["parent_id"] for r in sent if r["hold_id"] is not None})


async def _rows(
    conn: Conn, sql: str, outcomes: Sequence[Outcome], owner: str, *args: object
) -> list[Record]:
    if not outcomes:
        return []
    return list(await conn.fetch(sql, [o.row["id"] for o in outcomes], owner, *args))


async def _again(conn: Conn, owner: str, again: Sequence[Outcome], now: datetime) -> None:
    if not again:
        return
    await conn.execute(
        _AGAIN,
        [o.row["id"] for o in again],
        owner,
        [now + (retry_delay(o.row["attempts"]) if o.verdict == "retry" else _DOUBT) for o in again],
        [o.error for o in again],
        [o.verdict == "in_doubt" for o in again],
        [o.in_doubt_at for o in again],
    )


# A row in doubt is looked up again soon: the provider usually knows within seconds.
_DOUBT = timedelta(seconds=2)
