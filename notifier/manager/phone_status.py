"""Where a subscription's phone stands: verified, waiting for a code, or not needed."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from billing.types import Conn
from notifier.manager import verification
from notifier.manager.subscriptions import Subscription
from notifier.sms.texts import Language


async def verification_of(
    conn: Conn, parent_id: str, sub: Subscription, now: datetime, *, phones_per_day: int
) -> verification.VerificationState:
    """Where the phone's verification stands (nothing is needed while switched off)."""
    if not sub.active or sub.phone is None:
        return verification.VerificationState("not_needed")
    if sub.phone_verified:
        return verification.VerificationState("verified")
    return await verification.state(conn, parent_id, sub.phone, now, phones_per_day=phones_per_day)


async def verify_if_needed(
    conn: Conn, parent_id: str, sub: Subscription, *, secret: str, now: datetime,
    phones_per_day: int,
) -> verification.VerificationState:  # fmt: skip
    """As `verification_of`, but first send a code when the phone needs one and no usable
    code is waiting (limits permitting)."""
    if sub.active and sub.phone is not None and not sub.phone_verified:
        return await verification.ensure_code_sent(
            conn, parent_id=parent_id, pupil_id=sub.pupil_id, phone=sub.phone,
            language=sub.language, secret=secret, now=now, phones_per_day=phones_per_day,
        )  # fmt: skip
    return await verification_of(conn, parent_id, sub, now, phones_per_day=phones_per_day)


async def phone_language(conn: Conn, parent_id: str, phone: str) -> Language:
    """The language of the parent's latest subscription with this phone, else Russian."""
    found = await conn.fetchval(
        "SELECT language FROM subscriptions WHERE parent_id = $1 AND phone = $2"
        " ORDER BY updated_at DESC LIMIT 1",
        parent_id,
        phone,
    )
    return cast(Language, found or "ru")
