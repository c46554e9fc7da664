"""The SMS a parent was sent (or will be), newest first, with what each cost them and what
finally happened to it (README: "What happened to an SMS")."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import asyncpg

from billing.types import Conn
from notifier.manager.paging import Page, decode_cursor, make_page
from notifier.outbox.delivery import DeliveryStatus

_CODE = re.compile(r"\d{6}")
Charge = Literal["charged", "held", "not_charged", "refunded"]
# What the parent paid, from the SMS's hold on the wallet: captured -> charged (unless refunded
# after its report said it never reached the phone: billing.delivery.refund_undelivered's
# reference), open -> held while it is being sent, released (failed, withdrawn) or no hold at
# all (the house pays) -> not charged. Never the list price of an SMS nobody paid for.
# A weekly digest sent once per phone is about every child it covers (digest_coverage).
_MESSAGES = """
SELECT n.id, n.pupil_id, n.kind, n.body, n.parts, n.currency, n.status, n.created_at,
       n.sent_at, n.delivery_status, n.delivery_reported_at,
       CASE WHEN h.status = 'captured' AND EXISTS (
                SELECT 1 FROM ledger_transactions t
                 WHERE t.kind = 'sms_refund' AND t.reference = 'hold:' || n.hold_id)
            THEN 'refunded'
            WHEN h.status = 'captured' THEN 'charged'
            WHEN h.status = 'open' THEN 'held'
            ELSE 'not_charged' END AS charge,
       coalesce(h.amount, 0) AS amount, cov.pupil_ids
  FROM notifications n LEFT JOIN ledger_holds h ON h.id = n.hold_id
  LEFT JOIN LATERAL (
       SELECT array_agg(c.pupil_id ORDER BY c.subscription_id) AS pupil_ids
         FROM digest_coverage c
        WHERE n.kind = 'weekly_digest' AND c.sent_with = n.subscription_id
          AND n.dedupe_key = 'weekly_digest:' || c.iso_week) cov ON true
 WHERE n.parent_id = $1 AND ($2::text IS NULL OR n.pupil_id = $2 OR $2 = ANY (cov.pupil_ids))
   AND ($3::timestamptz IS NULL OR (n.created_at, n.id) < ($3, $4))
 ORDER BY n.created_at DESC, n.id DESC LIMIT $5
"""


@dataclass(frozen=True)
class Message:
    id: int
    pupil_id: str | None
    kind: str
    text: str
    parts: int
    currency: str | None
    status: str
    created_at: datetime
    sent_at: datetime | None
    delivery_status: DeliveryStatus | None
    delivery_reported_at: datetime | None
    charge: Charge
    cost: int  # minor units charged, or held while it is sent; 0 otherwise
    pupil_ids: tuple[str, ...] = ()  # the children it is about, several for a phone's digest


async def messages(
    conn: Conn, parent_id: str, *, pupil_id: str | None, limit: int, cursor: str | None
) -> Page[Message]:
    after: list[object] = [None, None]
    if cursor is not None:
        after = decode_cursor(cursor, (datetime, int))
    rows = await conn.fetch(_MESSAGES, parent_id, pupil_id, *after, limit + 1)
    found = [_message(_row(row)) for row in rows]
    return make_page(found, limit, lambda m: [m.created_at.isoformat(), m.id])


def _row(row: asyncpg.Record) -> Message:
    charge = row["charge"]
    return Message(
        id=row["id"], pupil_id=row["pupil_id"], kind=row["kind"], text=row["body"],
        parts=row["parts"], currency=row["currency"], status=row["status"],
        created_at=row["created_at"], sent_at=row["sent_at"],
        delivery_status=row["delivery_status"], delivery_reported_at=row["delivery_reported_at"],
        charge=charge, cost=row["amount"] if charge in ("charged", "held") else 0,
        pupil_ids=tuple(row["pupil_ids"] or ([row["pupil_id"]] if row["pupil_id"] else [])),
    )  # fmt: skip


def _message(m: Message) -> Message:
    if m.kind != "verification":
        return m
    # Showing the code would let anyone verify a phone they cannot read SMS on.
    return replace(m, text=_CODE.sub("******", m.text))
