"""The low-balance notice: a parent whose balance runs low is told once per crossing.

"Low" is below the configured threshold for the wallet's currency, or below what their next
weekly digest will cost (a typical week measured by the digest builder itself, when first
asked: notifier/digest/estimate.py), whichever is higher. Told once: the state row remembers
the notice until the balance is back at the threshold or above, and the ledger shows whether
a top-up came in between two checks even if it has been spent again since. The notice is a
house SMS (notifier/outbox/house.py): priced and paid like every other free SMS.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, cast

import asyncpg

from billing.errors import BillingError
from billing.ledger import Balance, wallet_balance
from billing.money import format_amount
from billing.tariffs import price, price_per_part
from billing.types import Conn
from notifier.digest.estimate import typical_digest_parts
from notifier.outbox.house import queue_house_sms
from notifier.sms import texts
from notifier.sms.phones import phone_country

if TYPE_CHECKING:
    from notifier.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LowBalancePolicy:
    thresholds: Mapping[str, int]  # per currency, minor units
    notice: Literal["sms", "flag"]

    @classmethod
    def from_settings(cls, settings: Settings) -> LowBalancePolicy:
        thresholds = {
            "KZT": settings.low_balance_threshold_kzt,
            "KGS": settings.low_balance_threshold_kgs,
        }
        return cls(thresholds, settings.low_balance_notice)


async def check_low_balance(
    conn: Conn, parent_id: str, now: datetime, policy: LowBalancePolicy
) -> bool:
    """Tell the parent if their balance has just fallen low; True when this call told them.

    Call inside the transaction that captured a hold or skipped a charge. The notice runs in
    a savepoint: if it cannot be given (no tariff, ...) the caller's charge still commits and
    the next check tries again.
    """
    try:
        async with conn.transaction():
            return await _check(conn, parent_id, now, policy)
    except (BillingError, ValueError, asyncpg.PostgresError):
        log.exception("low-balance check for parent %s failed; retried at the next one", parent_id)
        return False


async def check_low_balances(
    conn: Conn, parent_ids: Sequence[str], now: datetime, policy: LowBalancePolicy
) -> int:
    """check_low_balance for many parents, after one query that keeps only those who may be
    low (available below an upper bound of their threshold); returns how many were told."""
    if not parent_ids:
        return 0
    candidates = await conn.fetch(
        _CANDIDATES,
        sorted(set(parent_ids)),
        json.dumps(dict(policy.thresholds)),
        typical_digest_parts(),
    )
    told = 0
    for row in candidates:
        told += await check_low_balance(conn, row["owner"], now, policy)
    return told


# An upper bound of each parent's threshold: the configured one plus every digest at the
# dearest tariff of the currency. Parents above it cannot be low; parents already told, with
# no money in since, need not be told again; the rest are checked exactly.
_CANDIDATES = """
SELECT a.owner FROM ledger_accounts a
 WHERE a.kind = 'wallet' AND a.owner = ANY($1::text[])
   AND a.posted - a.held < coalesce(($2::jsonb ->> a.currency)::bigint, 0)
     + $3 * coalesce((SELECT max(price_per_part) FROM tariffs t WHERE t.currency = a.currency), 0)
       * (SELECT count(*) FROM subscriptions s WHERE s.parent_id = a.owner AND s.active
           AND s.phone_verified_at IS NOT NULL AND 'weekly_grades' = ANY (s.types))
   AND NOT EXISTS (SELECT 1 FROM low_balance_states st WHERE st.account_id = a.id
           AND st.notified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_entries e
               WHERE e.account_id = st.account_id AND e.id > st.notified_entry_id
               AND e.amount < 0))
 ORDER BY a.owner
"""


async def low_balance_since(conn: Conn, parent_id: str) -> datetime | None:
    """When the parent was told their balance is low, for the portal to show; None once money
    came into the wallet since (the next check decides whether it is still low)."""
    value = await conn.fetchval(
        "SELECT s.notified_at FROM low_balance_states s WHERE s.parent_id = $1"
        " AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.account_id = s.account_id"
        " AND e.id > s.notified_entry_id AND e.amount < 0)",
        parent_id,
    )
    return cast(datetime | None, value)


async def _check(conn: Conn, parent_id: str, now: datetime, policy: LowBalancePolicy) -> bool:
    wallet = await wallet_balance(conn, parent_id)
    if wallet is None:
        return False
    threshold = await _threshold(conn, parent_id, wallet.currency, now, policy)
    if wallet.available >= threshold:
        await _clear(conn, wallet.account_id, now)
        return False
    state = await _locked_state(conn, wallet.account_id, parent_id)
    if state["notified_at"] is not None and not await _rose(conn, state, threshold):
        return False  # already told about this crossing
    sms = policy.notice == "sms"
    notification_id = await _send_notice(conn, parent_id, wallet, now) if sms else None
    await _mark(conn, wallet.account_id, wallet.available, notification_id, now)
    return True


async def _threshold(
    conn: Conn, parent_id: str, currency: str, now: datetime, policy: LowBalancePolicy
) -> int:
    phones = await conn.fetch(
        "SELECT phone FROM subscriptions WHERE parent_id = $1 AND active"
        " AND phone_verified_at IS NOT NULL AND 'weekly_grades' = ANY (types)",
        parent_id,
    )
    digest = 0
    for row in phones:
        per_part = await price_per_part(conn, currency, now, phone_country(row["phone"]))
        digest += price(typical_digest_parts(), per_part)
    return max(policy.thresholds.get(currency, 0), digest)


async def _locked_state(conn: Conn, account_id: int, parent_id: str) -> asyncpg.Record:
    await conn.execute(
        "INSERT INTO low_balance_states (account_id, parent_id) VALUES ($1, $2)"
        " ON CONFLICT (account_id) DO NOTHING",
        account_id,
        parent_id,
    )
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM low_balance_states WHERE account_id = $1 FOR UPDATE", account_id
    )
    assert row is not None
    return row


async def _rose(conn: Conn, state: asyncpg.Record, threshold: int) -> bool:
    """Whether the wallet got back to the threshold since the notice: the highest point its
    balance reached entry by entry (wallet credits are negative amounts) after the notice."""
    peak = await conn.fetchval(
        "SELECT max(credited) FROM (SELECT -sum(amount) OVER (ORDER BY id) AS credited"
        " FROM ledger_entries WHERE account_id = $1 AND id > $2) AS since",
        state["account_id"],
        state["notified_entry_id"],
    )
    return peak is not None and state["notified_available"] + peak >= threshold


async def _mark(
    conn: Conn, account_id: int, available: int, notification_id: int | None, now: datetime
) -> None:
    await conn.execute(
        "UPDATE low_balance_states SET notified_at = $2, notified_available = $3,"
        " notification_id = $4, updated_at = $2, notified_entry_id = (SELECT coalesce(max(id), 0)"
        " FROM ledger_entries WHERE account_id = $1) WHERE account_id = $1",
        account_id,
        now,
        available,
        notification_id,
    )


async def _clear(conn: Conn, account_id: int, now: datetime) -> None:
    """Back at the threshold or above: the next fall is a new crossing."""
    await conn.execute(
        "UPDATE low_balance_states SET notified_at = NULL, notified_available = NULL,"
        " notified_entry_id = NULL, notification_id = NULL, updated_at = $2"
        " WHERE account_id = $1 AND notified_at IS NOT NULL",
        account_id,
        now,
    )


async def _send_notice(conn: Conn, parent_id: str, wallet: Balance, now: datetime) -> int | None:
    """Queue the free SMS to the most recently verified phone; the house pays for it."""
    sub = await conn.fetchrow(
        "SELECT id, parent_id, pupil_id, phone, language FROM subscriptions"
        " WHERE parent_id = $1 AND phone_verified_at IS NOT NULL"
        " ORDER BY phone_verified_at DESC, id DESC LIMIT 1",
        parent_id,
    )
    if sub is None:
        return None  # nowhere to send it: the flag alone tells the portal
    body = texts.low_balance(sub["language"], format_amount(wallet.available, wallet.currency))
    return await queue_house_sms(
        conn, parent_id=sub["parent_id"], pupil_id=sub["pupil_id"], phone=sub["phone"],
        kind="low_balance", body=body, now=now, subscription_id=sub["id"],
    )  # fmt: skip
