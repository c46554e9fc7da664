"""Sending verification codes, within the limits of notifier.manager.code_limits. The SMS is
free to parents and paid by the house, and nobody's phone may be flooded through us."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from billing.types import Conn
from notifier.manager.code_limits import resend_wait
from notifier.manager.codes import CODE_TTL, code_hash, is_verified, new_code, newest_code
from notifier.manager.errors import AlreadyVerified, TooManyRequests
from notifier.outbox.house import queue_house_sms
from notifier.sms.texts import Language, verification_code


@dataclass(frozen=True)
class VerificationState:
    status: Literal["code_sent", "verified", "not_needed"]
    expires_at: datetime | None = None
    retry_after_seconds: int | None = None  # set while no new code may be sent


async def send_code(
    conn: Conn,
    *,
    parent_id: str,
    phone: str,
    language: Language,
    secret: str,
    now: datetime,
    phones_per_day: int,
    pupil_id: str | None = None,
) -> datetime:
    """Queue a new code SMS; returns when the code expires. Raises AlreadyVerified or
    TooManyRequests. Runs inside the caller's transaction."""
    # Serialise concurrent requests for this parent and for this phone, so limits hold.
    for key in (f"verify-parent:{parent_id}", f"verify-phone:{phone}"):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
    if await is_verified(conn, parent_id, phone):
        raise AlreadyVerified("this phone is already verified")
    wait = await resend_wait(conn, parent_id, phone, now, phones_per_day=phones_per_day)
    if wait.seconds:
        raise TooManyRequests(wait.reason, wait.seconds)
    code = new_code()
    notification_id = await queue_house_sms(
        conn, parent_id=parent_id, pupil_id=pupil_id, phone=phone, kind="verification",
        body=verification_code(language, code), now=now,
    )  # fmt: skip
    expires_at = now + CODE_TTL
    await conn.execute(
        "INSERT INTO phone_verifications (parent_id, phone, code_hash, created_at, expires_at,"
        " notification_id) VALUES ($1, $2, $3, $4, $5, $6)",
        *(parent_id, phone, code_hash(secret, parent_id, phone, code), now, expires_at),
        notification_id,
    )
    return expires_at


async def state(
    conn: Conn, parent_id: str, phone: str | None, now: datetime, *, phones_per_day: int
) -> VerificationState:
    if phone is None:
        return VerificationState("not_needed")
    if await is_verified(conn, parent_id, phone):
        return VerificationState("verified")
    issued = await newest_code(conn, parent_id, phone)
    wait = await resend_wait(conn, parent_id, phone, now, phones_per_day=phones_per_day)
    expires_at = issued.expires_at if issued else None
    return VerificationState("code_sent", expires_at, wait.seconds or None)


async def ensure_code_sent(
    conn: Conn,
    *,
    parent_id: str,
    pupil_id: str | None,
    phone: str,
    language: Language,
    secret: str,
    now: datetime,
    phones_per_day: int,
) -> VerificationState:
    """Send a code unless a usable one is waiting; a reached limit is reported, not raised."""
    issued = await newest_code(conn, parent_id, phone)
    if issued is None or not issued.usable(now):
        with contextlib.suppress(AlreadyVerified, TooManyRequests):  # `state` tells which
            await send_code(
                conn, parent_id=parent_id, phone=phone, language=language, secret=secret,
                now=now, phones_per_day=phones_per_day, pupil_id=pupil_id,
            )  # fmt: skip
    return await state(conn, parent_id, phone, now, phones_per_day=phones_per_day)
