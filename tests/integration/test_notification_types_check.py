"""The database's CHECK on `subscriptions.types`, read back from the migrated schema, allows
exactly the registered notification types (notifier/notification_types.py)."""

from __future__ import annotations

import re

import asyncpg
import pytest

from notifier.notification_types import NOTIFICATION_TYPES


async def _allowed(conn: asyncpg.Connection) -> set[str]:
    [check] = await conn.fetch(
        "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint"
        " WHERE conrelid = 'subscriptions'::regclass AND contype = 'c'"
        " AND pg_get_constraintdef(oid) LIKE '%types <@%'"
    )
    return set(re.findall(r"'(\w+)'", check["def"]))


async def test_the_check_allows_exactly_the_registered_types(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        assert await _allowed(conn) == set(NOTIFICATION_TYPES)


async def test_a_subscription_to_an_unregistered_type_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO schools VALUES ('s', 'S', 'KZ');"
            " INSERT INTO classes VALUES ('c', 's', '5А');"
            " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ('pup', 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now())"
        )
        insert = (
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)"
            " VALUES ('par', 'pup', '+77011234567', $1, 'ru')"
        )
        await conn.execute(insert, list(NOTIFICATION_TYPES))
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(insert.replace("'par'", "'other'"), ["sports"])
