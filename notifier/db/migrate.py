"""Versioned SQL migrations: applied in order, once, safely by several instances at once."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources

from billing.types import Conn

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every instance of the service.
_LOCK_KEY = 0x5C0_0_15D1A


class MigrationError(RuntimeError):
    """An applied migration was edited afterwards, or a migration failed."""


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def bundled_migrations() -> list[Migration]:
    folder = resources.files("notifier.db") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [Migration(f.name.removesuffix(".sql"), f.read_text("utf-8")) for f in files]


async def migrate(conn: Conn, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations; returns the versions applied by this call."""
    todo = bundled_migrations() if migrations is None else migrations
    # A session-level advisory lock serialises concurrent starts of several instances.
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        applied = {r["version"]: r["checksum"] for r in rows}
        return [m.version for m in todo if await _apply(conn, m, applied)]
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def _apply(conn: Conn, migration: Migration, applied: dict[str, str]) -> bool:
    if migration.version in applied:
        if applied[migration.version] != migration.checksum:
            raise MigrationError(
                f"migration {migration.version} was changed after it was applied; "
                "add a new migration instead of editing an applied one"
            )
        return False
    async with conn.transaction():
        await conn.execute(migration.sql)
        await conn.execute(
            "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
            migration.version,
            migration.checksum,
        )
    log.info("applied migration %s", migration.version)
    return True
