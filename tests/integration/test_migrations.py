"""Migrations: applied once, safe to run twice and from two instances at once."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from notifier.db.migrate import Migration, MigrationError, bundled_migrations, migrate
from tests.integration.ledger_checks import assert_ledger_invariants
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


_BEFORE_PARTITIONS = """
INSERT INTO schools VALUES ('s', 'S', 'KZ');
INSERT INTO classes VALUES ('c', 's', '5A');
INSERT INTO pupils VALUES ('pu', 's', 'c', 'Dana', 'ru', 'Asia/Almaty', true, now());
INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)
    VALUES ('p', 'pu', '+77010000001', '{homework}', 'ru');
INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind, phone, body,
    encoding, parts, price, status, created_at, dedupe_key)
SELECT gen_random_uuid(), 1, 'p', 'pu', 'homework', '+77010000001', 'hw ' || g, 'GSM-7', 1,
       20_00, 'sent', date_trunc('month', now()) - make_interval(months => g) + interval '3 days',
       'hw:' || g
  FROM generate_series(0, 4) g;
INSERT INTO phone_verifications (parent_id, phone, code_hash, created_at, expires_at,
    notification_id) VALUES ('p', '+77010000001', 'h', now(), now(), 5);
INSERT INTO ledger_accounts (kind, owner, currency, normal_side)
    VALUES ('wallet', 'p', 'KZT', -1), ('gateway_clearing', '', 'KZT', 1);
INSERT INTO ledger_transactions (kind, reference, created_at)
    VALUES ('top_up', 't1', now() - interval '2 months');
INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)
    VALUES (1, 1, -100_00, 'KZT'), (1, 2, 100_00, 'KZT');
"""


async def test_an_upgrade_moves_the_outbox_and_the_ledger_into_monthly_partitions(
    empty_database: str,
) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        every = bundled_migrations()
        await migrate(conn, [m for m in every if m.version < "0022"])
        await conn.execute(_BEFORE_PARTITIONS)
        await migrate(conn)
        months = await conn.fetch(
            "SELECT tableoid::regclass::text AS part, created_at FROM notifications ORDER BY id"
        )
        assert [r["part"] for r in months] == [
            f"notifications_{r['created_at']:%Y_%m}" for r in months
        ]
        assert len({r["part"] for r in months}) == 5
        assert await conn.fetchval("SELECT count(*) FROM notification_keys") == 5
        # The old rows still make their SMS exactly-once, the sequences carry on after them.
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(
                "INSERT INTO notification_keys VALUES (100, now(), gen_random_uuid(), 1,"
                " 'homework', 'hw:3')"
            )
        assert await conn.fetchval("SELECT nextval('notifications_id_seq')") == 6
        assert await conn.fetchval("SELECT posted FROM ledger_accounts WHERE id = 1") == 100_00
        [entry] = await conn.fetch(
            "SELECT DISTINCT e.tableoid::regclass::text, e.posted_at = t.created_at"
            " FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id"
        )
        assert entry[1] is True
        assert entry[0].startswith("ledger_entries_2")
        await assert_ledger_invariants(conn)
    finally:
        await conn.close()


async def test_money_posted_by_the_old_version_during_the_upgrade_moves_over(
    empty_database: str,
) -> None:
    conn, writer = await asyncpg.connect(empty_database), await asyncpg.connect(empty_database)
    try:
        await migrate(conn, [m for m in bundled_migrations() if m.version < "0022"])
        await conn.execute(_BEFORE_PARTITIONS)
        async with writer.transaction():  # an instance of the previous version, mid-top-up
            await writer.execute(
                "INSERT INTO ledger_transactions (kind, reference) VALUES ('top_up', 't2');"
                " INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
                " VALUES (2, 1, -50_00, 'KZT'), (2, 2, 50_00, 'KZT')"
            )
            upgrade = asyncio.create_task(migrate(conn))
            await asyncio.sleep(0.5)
            assert not upgrade.done()  # waiting for the writer's commit
        await upgrade
        assert await conn.fetchval("SELECT count(*) FROM ledger_entries") == 4
        assert await conn.fetchval("SELECT posted FROM ledger_accounts WHERE id = 1") == 150_00
        await assert_ledger_invariants(conn)
    finally:
        await conn.close()
        await writer.close()
