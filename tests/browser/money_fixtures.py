"""A parent of Айгерим with a month behind them, for the browser tests of what their money
does: verified for the digest, homework and instant grades (2 grade SMS a day), a cap of
500 ₸, marks posted over the last weeks, a charged SMS, a refunded one, one waiting for the
school's window and one cancelled by a STOP reply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import asyncpg

from billing.holds import place_hold, release_hold
from billing.ledger import credit_wallet
from notifier.manager.spending import set_cap
from notifier.manager.waiting import STOPPED
from notifier.zones import zone
from tests.browser.conftest import PARENT
from tests.browser.test_message_history import _sent

PHONE = "+77011234567"
SUBJECTS = ("Математика", "Русский язык", "Казахский язык", "История Казахстана", "Физика",
            "Биология", "Английский язык", "География")  # fmt: skip


def window_opens(now: datetime) -> datetime:
    """09:00 tomorrow in Almaty: when the school's window next opens, as the SMS waits."""
    almaty = zone("Asia/Almaty")
    tomorrow = now.astimezone(almaty).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(9), almaty).astimezone(UTC)


async def month_behind(conn: asyncpg.Connection, now: datetime) -> None:
    async with conn.transaction():
        sub = await conn.fetchval(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at, grade_alerts_per_day) VALUES ($1, 'p-web', $2,"
            " '{weekly_grades,homework,grade_instant}', 'ru', now(), 2) RETURNING id",
            PARENT, PHONE,
        )  # fmt: skip
        await credit_wallet(conn, PARENT, 1000_00, "KZT", source=("gateway_clearing", "dev"),
                            kind="top_up", reference="t-month")  # fmt: skip
        await set_cap(conn, PARENT, 500_00, now)
        await _marks(conn, now)
    await _sent(conn, "ДЗ: стр. 12, упражнения 3–5", "delivered")
    await _sent(conn, "ДЗ: стр. 34, выучить правило", "expired")
    async with conn.transaction():
        await _queued(conn, sub, "ДЗ: стр. 56 на завтра", now, window_opens(now), None)
        stopped = await _queued(conn, sub, "ДЗ: стр. 78", now, window_opens(now), STOPPED)
        await release_hold(conn, stopped, "stopped by the parent")


async def _marks(conn: asyncpg.Connection, now: datetime) -> None:
    """On 4 school days of the last weeks, marks in every subject, in three lessons a day two
    hours apart: 3 grade SMS each of those days, 2 with the parent's limit."""
    rows = []
    for day in (3, 4, 10, 11):
        posted = now - timedelta(days=day)
        for n, subject in enumerate(SUBJECTS):
            at = posted + timedelta(hours=2 * (n % 3))
            rows.append((f"g-{day}-{n}", subject, at.date(), 4 + n % 2, at))
    await conn.executemany(
        "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, mark,"
        " as_of) VALUES ($1, 'sch-web', 'p-web', $2, $3, 'lesson', $4, $5)",
        rows,
    )


async def _queued(
    conn: asyncpg.Connection, sub: int, body: str, now: datetime, at: datetime,
    last_error: str | None,
) -> int:  # fmt: skip
    """A homework SMS held 20 ₸ waiting until `at`; cancelled when `last_error` says why."""
    hold = await place_hold(conn, PARENT, 20_00, reference=f"test-{uuid.uuid4()}",
                            expires_at=now + timedelta(days=2))  # fmt: skip
    await conn.execute(
        "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind, phone,"
        " body, encoding, parts, price, currency, hold_id, status, created_at,"
        " next_attempt_at, last_error) VALUES ($1, $2, $3, 'p-web', 'homework', $4, $5,"
        " 'UCS-2', 1, 20_00, 'KZT', $6, $7, clock_timestamp(), $8, $9)",
        uuid.uuid4(), sub, PARENT, PHONE, body, hold.id,
        "cancelled" if last_error else "queued", at, last_error,
    )  # fmt: skip
    return hold.id
