"""Verification codes: 6 digits from `secrets`, kept only as an HMAC keyed with
LINK_SIGNING_SECRET and bound to the parent and the phone. A code lives 10 minutes and allows
5 attempts; only the newest code a parent got for a phone counts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.types import Conn

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5

_NEWEST = (
    "SELECT id, code_hash, attempts, expires_at FROM phone_verifications"
    " WHERE parent_id = $1 AND phone = $2 ORDER BY created_at DESC, id DESC LIMIT 1"
)
_NEWEST_LOCKED = _NEWEST + " FOR UPDATE"


@dataclass(frozen=True)
class IssuedCode:
    id: int
    code_hash: str
    attempts: int
    expires_at: datetime

    def usable(self, now: datetime) -> bool:
        return self.expires_at > now and self.attempts < MAX_ATTEMPTS

    def matches(self, secret: str, parent_id: str, phone: str, code: str) -> bool:
        return hmac.compare_digest(self.code_hash, code_hash(secret, parent_id, phone, code))


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(secret: str, parent_id: str, phone: str, code: str) -> str:
    message = "\x1f".join((parent_id, phone, code)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def newest_code(
    conn: Conn, parent_id: str, phone: str, *, lock: bool = False
) -> IssuedCode | None:
    row = await conn.fetchrow(_NEWEST_LOCKED if lock else _NEWEST, parent_id, phone)
    return IssuedCode(*row.values()) if row is not None else None


async def is_verified(conn: Conn, parent_id: str, phone: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM parent_phones WHERE parent_id = $1 AND phone = $2", parent_id, phone
    )
    return found is not None
