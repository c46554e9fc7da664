"""Confirming a phone with the code sent to it; once confirmed, a free SMS tells the parent how
to stop (the one-click link, and the STOP reply)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from billing.types import Conn
from notifier.manager.codes import MAX_ATTEMPTS, is_verified, newest_code
from notifier.manager.phone_status import phone_language
from notifier.outbox.house import queue_house_sms
from notifier.sms.stop_texts import verified


@dataclass(frozen=True)
class Confirmation:
    outcome: Literal["verified", "wrong_code", "expired"]
    attempts_left: int = 0


async def confirm(
    conn: Conn, *, parent_id: str, phone: str, code: str, secret: str, now: datetime,
    stop_link: str | None = None,
) -> Confirmation:  # fmt: skip
    """Check `code` against the newest code sent. A wrong guess is counted, so the caller
    commits whatever the outcome. Confirming an already verified phone again is a no-op.
    `stop_link`: the one-click link to every SMS off, sent free once the phone is confirmed."""
    if await is_verified(conn, parent_id, phone):
        return Confirmation("verified")
    issued = await newest_code(conn, parent_id, phone, lock=True)
    if issued is None or not issued.usable(now):
        return Confirmation("expired")
    if not issued.matches(secret, parent_id, phone, code):
        await conn.execute(
            "UPDATE phone_verifications SET attempts = attempts + 1 WHERE id = $1", issued.id
        )
        return Confirmation("wrong_code", MAX_ATTEMPTS - issued.attempts - 1)
    await conn.execute(
        "UPDATE phone_verifications SET confirmed_at = $2 WHERE id = $1", issued.id, now
    )
    await _mark_verified(conn, parent_id, phone, now)
    if stop_link is not None:
        body = verified(await phone_language(conn, parent_id, phone), stop_link)
        await queue_house_sms(
            conn, parent_id=parent_id, pupil_id=None, phone=phone, kind="phone_verified",
            body=body, now=now,
        )  # fmt: skip
    return Confirmation("verified")


async def _mark_verified(conn: Conn, parent_id: str, phone: str, now: datetime) -> None:
    # Verified once by this parent, verified for all their children's subscriptions.
    await conn.execute(
        "INSERT INTO parent_phones (parent_id, phone, verified_at) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        parent_id,
        phone,
        now,
    )
    await conn.execute(
        "UPDATE subscriptions SET phone_verified_at = $3, updated_at = $3"
        " WHERE parent_id = $1 AND phone = $2 AND phone_verified_at IS NULL",
        parent_id,
        phone,
        now,
    )
