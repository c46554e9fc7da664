"""The SMS a parent was sent (or will be), newest first, with what each cost them and what
finally happened to it (README: "What happened to an SMS")."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from billing.types import Conn
from notifier.manager.paging import Page, decode_cursor, make_page
from notifier.outbox.delivery import DeliveryStatus

_CODE = re.compile(r"\d{6}")
# What the parent paid: SMS the house pays for (no hold on the wallet) cost them nothing, nor
# does an alert withdrawn before sending (its hold was released), nor one refunded after its
# report said it never reached the phone (billing.delivery.refund_undelivered's reference).
_MESSAGES = """
SELECT id, pupil_id, kind, body, parts,
       CASE WHEN hold_id IS NULL OR status = 'cancelled' OR EXISTS (
                SELECT 1 FROM ledger_transactions t
                 WHERE t.kind = 'sms_refund' AND t.reference = 'hold:' || hold_id)
            THEN 0 ELSE price END,
       currency, status, created_at, sent_at, delivery_status, delivery_reported_at
  FROM notifications
 WHERE parent_id = $1 AND ($2::text IS NULL OR pupil_id = $2)
   AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
 ORDER BY created_at DESC, id DESC LIMIT $5
"""


@dataclass(frozen=True)
class Message:
    id: int
    pupil_id: str | None
    kind: str
    text: str
    parts: int
    price: int
    currency: str | None
    status: str
    created_at: datetime
    sent_at: datetime | None
    delivery_status: DeliveryStatus | None
    delivery_reported_at: datetime | None


async def messages(
    conn: Conn, parent_id: str, *, pupil_id: str | None, limit: int, cursor: str | None
) -> Page[Message]:
    after: list[object] = [None, None]
    if cursor is not None:
        after = decode_cursor(cursor, (datetime, int))
    rows = await conn.fetch(_MESSAGES, parent_id, pupil_id, *after, limit + 1)
    found = [_message(Message(*row.values())) for row in rows]
    return make_page(found, limit, lambda m: [m.created_at.isoformat(), m.id])


def _message(m: Message) -> Message:
    if m.kind != "verification":
        return m
    # Showing the code would let anyone verify a phone they cannot read SMS on.
    return replace(m, text=_CODE.sub("******", m.text))
