"""The per-phone support lookup: "why did I not get an SMS?".

Everything about one phone number a support person needs on a call: the subscriptions that
send to it (verified? active? which types?), the balance of each parent using it, and the
last messages to it with what became of each. Parents are found by the phone (their
subscriptions, verified phones and verification codes), then their messages through the
per-parent index, filtered to this phone; each says its outcome and where its money went
(notifier/outbox/outcome.py), not only the outbox row's status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing.types import Conn
from notifier.outbox import outcome as sms_outcome

LAST_MESSAGES = 20

_PARENTS = """
SELECT parent_id FROM subscriptions WHERE phone = $1
UNION SELECT parent_id FROM parent_phones WHERE phone = $1
UNION SELECT parent_id FROM phone_verifications WHERE phone = $1
"""

_SUBSCRIPTIONS = """
SELECT s.parent_id, s.pupil_id, p.first_name AS pupil_name, p.school_id, s.types, s.language,
       s.active, s.phone_verified_at, s.updated_at
  FROM subscriptions s JOIN pupils p ON p.id = s.pupil_id
 WHERE s.phone = $1 ORDER BY s.parent_id, s.pupil_id
"""

_WALLETS = """
SELECT owner AS parent_id, currency, posted, held, posted - held AS available
  FROM ledger_accounts WHERE kind = 'wallet' AND owner = ANY($1::text[]) ORDER BY owner
"""

_MESSAGES = """
SELECT n.id, n.parent_id, n.kind,
       CASE WHEN q.lease_owner IS NOT NULL THEN 'sending' ELSE n.status END AS status,
       n.parts, n.price, n.currency, n.provider, n.provider_message_id,
       coalesce(q.last_error, n.last_error) AS last_error,
       coalesce(q.attempts, n.attempts) AS attempts, coalesce(q.in_doubt, n.in_doubt) AS in_doubt,
       coalesce(q.in_doubt_provider, n.in_doubt_provider) AS in_doubt_provider, n.created_at,
       CASE WHEN q.lease_owner IS NULL THEN coalesce(q.due_at, n.next_attempt_at)
            ELSE n.next_attempt_at END AS next_attempt_at, n.sent_at,
       n.delivery_status, n.delivery_reported_at, n.delivery_detail,
       n.hold_id IS NOT NULL AS held,
       EXISTS (SELECT 1 FROM ledger_transactions t
                WHERE t.kind = 'sms_refund' AND t.reference = 'hold:' || n.hold_id) AS refunded
  FROM notifications n LEFT JOIN outbox_queue q ON q.notification_id = n.id
 WHERE n.parent_id = ANY($2::text[]) AND n.phone = $1
 ORDER BY n.created_at DESC, n.id DESC LIMIT $3
"""


@dataclass(frozen=True)
class Subscription:
    parent_id: str
    pupil_id: str
    pupil_name: str
    school_id: str
    types: list[str]
    language: str
    active: bool
    phone_verified_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Wallet:
    parent_id: str
    currency: str
    posted: int
    held: int
    available: int


@dataclass(frozen=True)
class Message:
    id: int
    parent_id: str
    kind: str
    status: str
    parts: int
    price: int
    currency: str | None
    provider: str | None
    provider_message_id: str | None
    last_error: str | None
    attempts: int
    in_doubt: bool
    in_doubt_provider: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    delivery_status: str | None
    delivery_reported_at: datetime | None
    delivery_detail: str | None
    outcome: sms_outcome.Outcome
    money: sms_outcome.Money


def _message(row: Mapping[str, Any]) -> Message:
    fields = dict(row)
    held, refunded = fields.pop("held"), fields.pop("refunded")
    return Message(
        **fields,
        outcome=sms_outcome.outcome(row["status"], row["delivery_status"]),
        money=sms_outcome.money(row["status"], held=held, refunded=refunded),
    )


@dataclass(frozen=True)
class PhoneLookup:
    phone: str
    subscriptions: list[Subscription]
    wallets: list[Wallet]  # parents without a wallet (never topped up) have none
    messages: list[Message]  # newest first


async def look_up_phone(conn: Conn, phone: str) -> PhoneLookup:
    """`phone` in E.164 (normalised by the caller)."""
    parents = [r["parent_id"] for r in await conn.fetch(_PARENTS, phone)]
    subscriptions = [Subscription(**r) for r in await conn.fetch(_SUBSCRIPTIONS, phone)]
    wallets = [Wallet(**r) for r in await conn.fetch(_WALLETS, parents)]
    rows = await conn.fetch(_MESSAGES, phone, parents, LAST_MESSAGES)
    return PhoneLookup(phone, subscriptions, wallets, [_message(r) for r in rows])
