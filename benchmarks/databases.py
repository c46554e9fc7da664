"""A migrated database of its own for a benchmark, beside the stack's default one."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from notifier.db.migrate import migrate


async def fresh_database(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`, migrate it; its URL."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    fresh = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    conn = await asyncpg.connect(fresh)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return fresh
