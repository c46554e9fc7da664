"""Fixtures shared by the integration tests that compare two ways of applying one stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from devstack import EmbeddedStack
from tests.support import dsn_with_database


@pytest.fixture
async def two_databases(
    stack: EmbeddedStack, template_database: str
) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Pool]]:
    """Two fresh databases, for a stream applied one way in each."""
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = await asyncpg.connect(stack.database_url)
    for name in names:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template_database}")
    pools = [await asyncpg.create_pool(dsn_with_database(stack.database_url, n)) for n in names]
    try:
        yield pools[0], pools[1]
    finally:
        for pool in pools:
            await pool.close()
        for name in names:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
