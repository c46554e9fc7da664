"""Settling a dispatched batch in one transaction: accepted SMS are marked sent and their
holds captured, refused ones failed and released, the rest queued again (in doubt when the
provider may have them, with the provider that may). Only rows this instance still leases
are touched, so a row another instance took over after our lease ran out is never settled
twice.

Locks are taken in the one order every transaction on the outbox and wallets keeps (README,
"Lock order"): the batch's outbox rows in id order, then every wallet it charges or refunds
in one statement in account order, then their holds. Settling twice is harmless (the rows
are no longer `sending`), so a settle PostgreSQL rolled back is simply run again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from billing.batch_holds import capture_holds, lock_wallets_of_holds, release_holds
from billing.delivery import reverse_house_sms
from billing.types import Conn
from notifier.outbox.delivery import UndeliverablePolicy
from notifier.outbox.early import apply_early
from notifier.outbox.sending import Outcome

_LOCK_ROWS = (
    "SELECT 1 FROM notifications WHERE id = ANY ($1::bigint[]) AND status = 'sending'"
    " AND lease_owner = $2 ORDER BY id FOR UPDATE"
)

_SENT = """
UPDATE notifications n SET status = 'sent', sent_at = $3, provider = d.provider,
       provider_message_id = d.mid, last_error = NULL, in_doubt = false,
       in_doubt_provider = NULL, lease_owner = NULL, lease_until = NULL
  FROM unnest($1::bigint[], $4::text[], $5::text[]) AS d(id, provider, mid)
 WHERE n.id = d.id AND n.status = 'sending' AND n.lease_owner = $2
RETURNING n.id, n.hold_id, n.parent_id, n.provider, n.provider_message_id
"""

_FAILED = """
UPDATE notifications n SET status = 'failed', last_error = d.error, in_doubt = false,
       failed_at = $4, in_doubt_provider = NULL, lease_owner = NULL, lease_until = NULL
  FROM unnest($1::bigint[], $3::text[]) AS d(id, error)
 WHERE n.id = d.id AND n.status = 'sending' AND n.lease_owner = $2
RETURNING n.id, n.hold_id, d.error
"""

# The first provider a row is known to be in doubt at stays its provider (every later
# attempt went there alone).
_AGAIN = """
UPDATE notifications n SET status = 'queued', next_attempt_at = d.at, last_error = d.error,
       in_doubt = n.in_doubt OR d.doubt,
       in_doubt_provider = coalesce(n.in_doubt_provider, d.maybe_at),
       lease_owner = NULL, lease_until = NULL
  FROM unnest($1::bigint[], $3::timestamptz[], $4::text[], $5::bool[], $6::text[])
       AS d(id, at, error, doubt, maybe_at)
 WHERE n.id = d.id AND n.status = 'sending' AND n.lease_owner = $2
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
    holds = [o.row["hold_id"] for o in (*by["accepted"], *by["failed"]) if o.row["hold_id"]]
    if holds:  # all at once: charged ones first, then refunded ones, would be two orders
        await lock_wallets_of_holds(conn, holds)
    charged = await _sent(conn, owner, by["accepted"], now, policy)
    await _failed(conn, owner, by["failed"], max_attempts, now)
    await _again(conn, owner, by["again"], now)
    return charged


async def _sent(
    conn: Conn, owner: str, done: Sequence[Outcome], now: datetime, policy: UndeliverablePolicy
) -> list[str]:
    if not done:
        return []
    rows = await conn.fetch(
        _SENT,
        [o.row["id"] for o in done],
        owner,
        now,
        [o.provider for o in done],
        [o.provider_message_id for o in done],
    )
    await capture_holds(conn, [r["hold_id"] for r in rows if r["hold_id"] is not None])
    recorded = [(r["provider"], r["provider_message_id"]) for r in rows]
    await apply_early(conn, [(p, m) for p, m in recorded if p and m], policy)
    return sorted({r["parent_id"] for r in rows if r["hold_id"] is not None})


async def _failed(
    conn: Conn, owner: str, failed: Sequence[Outcome], max_attempts: int, now: datetime
) -> None:
    if not failed:
        return
    errors = [
        o.error if o.verdict == "failed" else f"gave up after {max_attempts} attempts: {o.error}"
        for o in failed
    ]
    rows = await conn.fetch(_FAILED, [o.row["id"] for o in failed], owner, errors, now)
    await release_holds(conn, [(r["hold_id"], r["error"]) for r in rows if r["hold_id"]])
    for row in rows:
        if row["hold_id"] is None:  # a free SMS: the house paid when it was queued
            await reverse_house_sms(conn, row["id"])


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
