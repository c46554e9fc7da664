"""A small roster with wallets for the SMS money tests on real PostgreSQL: subscriptions,
top-ups and PendingSms in a few calls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from billing.ledger import credit_wallet
from notifier.outbox.enqueue import PendingSms

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TTL = timedelta(hours=24)
ONE_PART = "Айгерим: ДЗ «Математика» до 25.11: стр. 45"  # 1 UCS-2 part: 20.00 KZT
TWO_PARTS = ONE_PART + ", упражнения 1-12, выучить правило на стр. 44"  # 2 parts: 40.00 KZT


async def roster(conn: asyncpg.Connection, parents: list[str]) -> dict[str, int]:
    """A pupil and a verified homework subscription per parent; their subscription ids."""
    await conn.execute(
        "INSERT INTO schools VALUES ('s', 'S', 'KZ') ON CONFLICT DO NOTHING;"
        " INSERT INTO classes VALUES ('c', 's', '5А') ON CONFLICT DO NOTHING"
    )
    subs: dict[str, int] = {}
    for i, parent in enumerate(parents):
        pupil = f"pu-{parent}"
        await conn.execute(
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ($1, 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now())",
            pupil,
        )
        subs[parent] = await conn.fetchval(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) VALUES ($1, $2, $3, '{homework}', 'ru', now()) RETURNING id",
            parent, pupil, f"+7701{i:07d}",
        )  # fmt: skip
    return subs


def sms(parent: str, sub: int, body: str, key: str | None = None) -> PendingSms:
    return PendingSms(
        event_id=uuid.uuid4(), kind="homework", dedupe_key=key, subscription_id=sub,
        parent_id=parent, pupil_id=f"pu-{parent}", phone="+77010000000", country="KZ",
        body=body,
    )  # fmt: skip


async def top_up(conn: asyncpg.Connection, parent: str, amount: int) -> None:
    await credit_wallet(conn, parent, amount, "KZT", source=("gateway_clearing", "t"),
                        kind="top_up", reference=f"{parent}-{uuid.uuid4().hex[:6]}")  # fmt: skip


async def pin_to(conn: asyncpg.Connection, at: datetime) -> None:
    """Move every ledger transaction the current database transaction wrote to `at`.

    TODAY is fixed when the module is imported; a suite that crosses midnight in Almaty would
    otherwise find its "today" entries on the next day.
    """
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.execute(
        "UPDATE ledger_transactions SET created_at = $1 WHERE created_at = now()", at
    )
    await conn.execute("SET LOCAL session_replication_role = DEFAULT")
