"""Subscriptions the core e-school system creates through the internal API.

It holds the parent's consent and a verified phone; we keep its word as evidence: each change
appends a consent record with who consented, when and where (its source), as the
Notification Manager does for changes made on the page. Saving what is already stored changes
nothing and records nothing, so the core system may repeat a PUT safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from billing.types import Conn
from notifier.manager.consent import Origin, record_consent
from notifier.manager.subscriptions import DEFAULT_GRADE_ALERTS_PER_DAY


@dataclass(frozen=True)
class AssertedConsent:
    given_by: str
    given_at: datetime
    source: str


_LOCKED = (
    "SELECT phone, types, language, active FROM subscriptions"
    " WHERE parent_id = $1 AND pupil_id = $2 FOR UPDATE"
)
# Latin and the daily grade limit left out (NULL) keep what is stored: the parent may have
# chosen them on the page, and a core system that does not know them must not undo that.
_UPSERT = (
    "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, phone_verified_at,"
    " latin, grade_alerts_per_day) VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::boolean, false),"
    " coalesce($8::integer, $9::integer)) ON CONFLICT (parent_id, pupil_id) DO UPDATE SET"
    " phone = EXCLUDED.phone, types = EXCLUDED.types, language = EXCLUDED.language,"
    " active = true, phone_verified_at = EXCLUDED.phone_verified_at, updated_at = $6,"
    " latin = coalesce($7, subscriptions.latin),"
    " grade_alerts_per_day = coalesce($8, subscriptions.grade_alerts_per_day)"
    " RETURNING id, parent_id, pupil_id, phone, types, language, latin, grade_alerts_per_day,"
    " active"
)


async def save_asserted(
    conn: Conn, parent_id: str, pupil_id: str, phone: str, types: Sequence[str],
    language: str, consent: AssertedConsent, now: datetime, *, latin: bool | None = None,
    grade_alerts_per_day: int | None = None,
) -> asyncpg.Record | None:  # fmt: skip
    """The saved subscription, or None when the pupil is not linked to the parent. Runs in
    the caller's transaction: the subscription and its consent record commit together.
    `latin` and `grade_alerts_per_day` left as None keep what is stored."""
    if not await conn.fetchval(
        "SELECT 1 FROM parent_links WHERE parent_id = $1 AND pupil_id = $2", parent_id, pupil_id
    ):
        return None
    before = await conn.fetchrow(_LOCKED, parent_id, pupil_id)
    row: asyncpg.Record | None = await conn.fetchrow(
        _UPSERT, parent_id, pupil_id, phone, sorted(set(types)), language, now,
        latin, grade_alerts_per_day, DEFAULT_GRADE_ALERTS_PER_DAY,
    )  # fmt: skip
    assert row is not None
    if before is None or _terms(before) != _terms(row):
        origin = Origin(consent.given_by, None, None, consent.source, consent.given_at)
        await record_consent(
            conn, parent_id=parent_id, pupil_id=pupil_id,
            action="update" if before is not None and before["active"] else "subscribe",
            phone=phone, types=row["types"], language=language, origin=origin, now=now,
        )  # fmt: skip
    return row


def _terms(row: asyncpg.Record) -> tuple[object, ...]:
    return row["phone"], sorted(row["types"]), row["language"], row["active"]
