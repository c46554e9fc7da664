"""Migrations: applied once, safe to run twice and from two instances at once."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from notifier.db.migrate import Migration, MigrationError, bundled_migrations, migrate
from tests.support import dsn_with_database


@pytest.fixture
async def empty_database(stack: object) -> str:
    from devstack import EmbeddedStack

    assert isinstance(stack, EmbeddedStack)
    name = f"empty_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(stack.database_url)
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    return dsn_with_database(stack.database_url, name)


async def test_two_instances_starting_together_apply_each_migration_once(
    empty_database: str,
) -> None:
    conns = [await asyncpg.connect(empty_database) for _ in range(2)]
    try:
        applied = await asyncio.gather(*(migrate(c) for c in conns))
        assert sorted(applied[0] + applied[1]) == [m.version for m in bundled_migrations()]
        assert await migrate(conns[0]) == []  # running again changes nothing
    finally:
        for c in conns:
            await c.close()


async def test_an_edited_migration_is_refused(empty_database: str) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        await migrate(conn, [Migration("0001_x", "CREATE TABLE x (id int)")])
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(conn, [Migration("0001_x", "CREATE TABLE x (id bigint)")])
    finally:
        await conn.close()
