"""Session-wide real infrastructure: PostgreSQL and a Kafka-protocol broker, started once.

Each test gets its own database (cloned from a migrated template, fast) and its own topic
prefix and consumer group, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from devstack import EmbeddedStack
from devstack.stack import KafkaKind
from notifier.db.migrate import migrate
from notifier.settings import Settings
from tests.support import dsn_with_database

TEMPLATE_DB = "notifier_template"
DEVDATA = Path(__file__).resolve().parent.parent / ".devdata"


@pytest.fixture(scope="session")
def stack() -> Iterator[EmbeddedStack]:
    DEVDATA.mkdir(exist_ok=True)
    kafka: KafkaKind = "apache" if os.environ.get("NOTIFIER_TEST_KAFKA") == "apache" else "tansu"
    if kafka == "apache":
        from devstack import ApacheKafka

        reason = ApacheKafka.available()
        if reason is not None:
            pytest.skip(f"Apache Kafka tier skipped: {reason}")
    # Under the project, not pytest's private tmp: PostgreSQL runs as its own system user
    # when we are root and must be able to reach its data directory.
    data = Path(tempfile.mkdtemp(prefix="test-", dir=DEVDATA))
    try:
        with EmbeddedStack(data, kafka=kafka, fast=True) as running:
            yield running
    finally:
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(stack: EmbeddedStack) -> str:
    async def prepare() -> None:
        conn = await asyncpg.connect(stack.database_url)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
            await conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        finally:
            await conn.close()
        conn = await asyncpg.connect(dsn_with_database(stack.database_url, TEMPLATE_DB))
        try:
            await migrate(conn)
        finally:
            await conn.close()

    asyncio.run(prepare())
    return TEMPLATE_DB


@pytest.fixture
async def database_url(stack: EmbeddedStack, template_database: str) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_database}")
    finally:
        await conn.close()
    yield dsn_with_database(stack.database_url, name)
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(database_url, min_size=1, max_size=60) as p:
        yield p


@pytest.fixture
def settings(stack: EmbeddedStack, database_url: str, tmp_path: Path) -> Settings:
    run = uuid.uuid4().hex[:8]
    return Settings(
        database_url=database_url,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_prefix=f"t{run}.",
        kafka_group_id=f"notifier-{run}",
        internal_api_token=secrets.token_urlsafe(32),  # type: ignore[arg-type]
        sms_dev_outbox=tmp_path / "sms.jsonl",
        dispatch_poll_seconds=0.1,
        kafka_session_timeout_ms=2_000,  # a new consumer's first join waits about half of it
        # Low-balance notices are SMS of their own; tests/e2e/test_low_balance.py turns them
        # on, elsewhere they would add messages that a test did not ask about.
        low_balance_notice="flag",
        # Paid SMS at any hour, so tests do not depend on the time of day they run at;
        # tests of the sending window set it (and move the clock) themselves.
        send_window="00:00-00:00",
    )
