"""A parent's subscription for one child: phone, notification types, language, on or off.

One row per parent and pupil in `subscriptions`. Every change appends a consent record;
saving what is already stored changes nothing (no update, no record, no new code).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import asyncpg

from billing.types import Conn
from notifier.manager.consent import Action, Origin, record_consent
from notifier.manager.roster import linked_child
from notifier.manager.waiting import cancel_for_subscription, cancel_for_types
from notifier.notification_types import NotificationType
from notifier.sms.texts import Language

_ROW = (
    "SELECT phone, types, language, active, phone_verified_at, latin,"
    " grade_alerts_per_day FROM subscriptions"
    " WHERE parent_id = $1 AND pupil_id = $2"
)
_ROW_LOCKED = _ROW + " FOR UPDATE"
# Bundled instant grade alerts a child may bring a day unless the parent chooses otherwise
# (the column's default, notifier/db/migrations/0018_grade_alert_bundles.sql).
DEFAULT_GRADE_ALERTS_PER_DAY = 3


@dataclass(frozen=True)
class Subscription:
    pupil_id: str
    phone: str | None
    phone_verified: bool
    types: tuple[NotificationType, ...]
    language: Language
    active: bool
    latin: bool = False  # SMS in GSM-7 Latin: cheaper (notifier/sms/latin.py)
    grade_alerts_per_day: int = DEFAULT_GRADE_ALERTS_PER_DAY  # notifier/grade_bundles.py


@dataclass(frozen=True)
class Wanted:
    phone: str  # E.164, already normalised
    types: frozenset[str]
    language: Language
    latin: bool = False
    grade_alerts_per_day: int = DEFAULT_GRADE_ALERTS_PER_DAY


async def load_subscription(conn: Conn, parent_id: str, pupil_id: str) -> Subscription:
    """The child's subscription (switched off if never saved); NotFound if not linked."""
    child = await linked_child(conn, parent_id, pupil_id)
    row = await _row(conn, parent_id, pupil_id)
    return _view(pupil_id, row, cast(Language, child.locale))


async def save_subscription(
    conn: Conn, parent_id: str, pupil_id: str, wanted: Wanted, origin: Origin, now: datetime
) -> Subscription:
    child = await linked_child(conn, parent_id, pupil_id)
    row = await _row(conn, parent_id, pupil_id, lock=True)
    current = _view(pupil_id, row, cast(Language, child.locale))
    if current.active and _same(current, wanted):
        return current
    verified_at = await conn.fetchval(
        "SELECT verified_at FROM parent_phones WHERE parent_id = $1 AND phone = $2",
        parent_id,
        wanted.phone,
    )
    row = await conn.fetchrow(
        "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, active,"
        " phone_verified_at, created_at, updated_at, latin, grade_alerts_per_day)"
        " VALUES ($1, $2, $3, $4, $5, true, $6, $7, $7, $8, $9)"
        " ON CONFLICT (parent_id, pupil_id) DO UPDATE SET phone = EXCLUDED.phone,"
        " types = EXCLUDED.types, language = EXCLUDED.language, active = true,"
        " latin = EXCLUDED.latin, grade_alerts_per_day = EXCLUDED.grade_alerts_per_day,"
        # Same phone: stays verified however it was verified (the internal API verifies too).
        " phone_verified_at = CASE WHEN subscriptions.phone = EXCLUDED.phone"
        " THEN coalesce(subscriptions.phone_verified_at, EXCLUDED.phone_verified_at)"
        " ELSE EXCLUDED.phone_verified_at END, updated_at = EXCLUDED.updated_at"
        " RETURNING id, phone, types, language, active, phone_verified_at, latin,"
        " grade_alerts_per_day",
        *(parent_id, pupil_id, wanted.phone, sorted(wanted.types), wanted.language),
        *(verified_at, now, wanted.latin, wanted.grade_alerts_per_day),
    )
    saved = _view(pupil_id, row, wanted.language)
    if row is not None and current.active and (dropped := set(current.types) - set(saved.types)):
        await cancel_for_types(conn, row["id"], dropped)  # what waits of a type unticked
    action: Action = "update" if current.active else "subscribe"
    await _record(conn, parent_id, saved, action, origin, now)
    return saved


async def switch_off(
    conn: Conn,
    parent_id: str,
    pupil_id: str,
    *,
    drop: Collection[str],
    action: Action,
    origin: Origin,
    now: datetime,
    partial_action: Action = "update",
) -> Subscription | None:
    """Remove the `drop` types; with none left it is switched off, and its paid SMS still
    waiting are cancelled, their money released (notifier/manager/waiting.py). Consent is
    recorded as `action` when switched off, else as `partial_action`. None: there is no
    subscription.

    Does not check the parent link: a signed unsubscribe link must work even after one.
    """
    row = await _row(conn, parent_id, pupil_id, lock=True)
    if row is None:
        return None
    current = _view(pupil_id, row, row["language"])
    types = sorted(set(current.types) - set(drop))
    if types == list(current.types) and (types or not current.active):
        return current
    row = await conn.fetchrow(
        "UPDATE subscriptions SET types = $3, active = $4, updated_at = $5"
        " WHERE parent_id = $1 AND pupil_id = $2"
        " RETURNING id, phone, types, language, active, phone_verified_at, latin,"
        " grade_alerts_per_day",
        *(parent_id, pupil_id, types, bool(types) and current.active, now),
    )
    saved = _view(pupil_id, row, current.language)
    if row is not None and current.active and not saved.active:  # not even what waits
        await cancel_for_subscription(conn, row["id"])
    elif row is not None and saved.active:  # still on for the others: what waits of `drop`
        await cancel_for_types(conn, row["id"], set(current.types) - set(types))
    await _record(conn, parent_id, saved, partial_action if saved.active else action, origin, now)
    return saved


async def _row(
    conn: Conn, parent_id: str, pupil_id: str, *, lock: bool = False
) -> asyncpg.Record | None:
    return await conn.fetchrow(_ROW_LOCKED if lock else _ROW, parent_id, pupil_id)


def _view(pupil_id: str, row: asyncpg.Record | None, language: Language) -> Subscription:
    if row is None:
        return Subscription(pupil_id, None, False, (), language, False)
    verified = row["phone_verified_at"] is not None
    types = cast(tuple[NotificationType, ...], tuple(sorted(row["types"])))
    return Subscription(
        pupil_id, row["phone"], verified, types, row["language"], row["active"], row["latin"],
        row["grade_alerts_per_day"],
    )  # fmt: skip


def _same(current: Subscription, wanted: Wanted) -> bool:
    return (current.phone, set(current.types), current.language, current.latin,
            current.grade_alerts_per_day) == (
        wanted.phone, set(wanted.types), wanted.language, wanted.latin,
        wanted.grade_alerts_per_day,
    )  # fmt: skip


async def _record(
    conn: Conn, parent_id: str, sub: Subscription, action: Action, origin: Origin, now: datetime
) -> None:
    await record_consent(
        conn, parent_id=parent_id, pupil_id=sub.pupil_id, action=action, phone=sub.phone,
        types=sub.types, language=sub.language, origin=origin, now=now,
    )  # fmt: skip
