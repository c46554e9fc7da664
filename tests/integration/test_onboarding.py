"""`notifier import` on real PostgreSQL: what a country's onboarding team would check after
loading a file — every good row in once, every bad row in the reject file with its line and
why, the same file again changing nothing, and the money in the ledger balancing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg
import pytest

from billing.ledger import account, account_balance
from notifier.onboarding.cli import import_file
from notifier.onboarding.files import FileProblem
from notifier.onboarding.progress import Progress
from notifier.settings import Settings
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.onboarding_support import (
    SUB_HEADER,
    balances,
    linked_roster,
    money_state,
    read_rejects,
    write_csv,
    write_jsonl,
)  # fmt: skip

AT = "2024-09-01T10:00:00+05:00"


async def _subscriptions_file(pool: asyncpg.Pool, tmp_path: Path) -> Path:
    async with pool.acquire() as conn:
        await linked_roster(conn, [("par-1", "pu-1"), ("par-1", "pu-2"), ("par-2", "pu-3")])
        await conn.execute(  # a pupil in the roster whose link to par-9 is not there
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ('pu-9', 's', 'c', 'Ерлан', 'kk', 'Asia/Almaty', now())"
        )
    return write_csv(tmp_path / "subs.csv", SUB_HEADER, [
        ["par-1", "pu-1", "8 701 123 45 67", "homework weekly_grades", "ru", "", "paper", AT,
         "true"],
        ["par-1", "pu-2", "+77011234567", "homework", "kk", "true", "paper", AT, "false"],
        ["par-2", "pu-3", "+7 495 123 45 67", "homework", "ru", "", "paper", AT, "true"],
        ["par-2", "pu-3", "+996555123456", "spam", "ru", "", "paper", AT, "true"],
        ["par-9", "pu-9", "+996555123456", "homework", "ky", "", "crm", AT, "true"],
        ["par-2", "pu-3", "+996555123456", "announcements", "ky", "", "crm", AT, "true"],
        ["par-1", "pu-1", "+77011234567", "homework", "ru", "", "paper", AT, "true"],
    ])  # fmt: skip


async def test_good_subscription_rows_go_in_and_each_bad_one_is_in_the_reject_file(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    path = await _subscriptions_file(pool, tmp_path)
    outcome, rejects = await import_file(database_url, "subscriptions", path, workers=1)
    assert (outcome.rows, outcome.imported, outcome.rejected) == (7, 3, 4)
    assert rejects == tmp_path / "subs.csv.rejects.csv"
    found = read_rejects(rejects)
    assert [line for line, _ in found] == [4, 5, 6, 8]
    assert "not a Kazakhstan or Kyrgyzstan mobile" in found[0][1]
    assert "types: spam" in found[1][1]
    assert "pupil pu-9 is not linked to parent par-9" in found[2][1]
    assert "repeats the parent and pupil of line 2" in found[3][1]
    subs = await pool.fetch(
        "SELECT parent_id, pupil_id, phone, types, latin, phone_verified_at IS NOT NULL AS v"
        " FROM subscriptions ORDER BY pupil_id"
    )
    assert [tuple(s.values()) for s in subs] == [
        ("par-1", "pu-1", "+77011234567", ["homework", "weekly_grades"], False, True),
        ("par-1", "pu-2", "+77011234567", ["homework"], True, False),
        ("par-2", "pu-3", "+996555123456", ["announcements"], False, True),
    ]


async def test_consent_records_carry_the_files_source_and_time(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    path = await _subscriptions_file(pool, tmp_path)
    await import_file(database_url, "subscriptions", path, workers=1)
    records = await pool.fetch(
        "SELECT pupil_id, action, actor, recorded_at::text FROM consent_records ORDER BY pupil_id"
    )
    assert [tuple(r.values()) for r in records] == [
        ("pu-1", "subscribe", "import:paper", "2024-09-01 05:00:00+00"),
        ("pu-2", "subscribe", "import:paper", "2024-09-01 05:00:00+00"),
        ("pu-3", "subscribe", "import:crm", "2024-09-01 05:00:00+00"),
    ]
    # The core verified par-1's phone: it is verified for their other children too.
    assert await pool.fetchval("SELECT count(*) FROM parent_phones") == 2


async def test_the_same_subscriptions_file_again_changes_nothing(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    path = await _subscriptions_file(pool, tmp_path)
    await import_file(database_url, "subscriptions", path, workers=1)
    before = await pool.fetch("SELECT * FROM subscriptions ORDER BY id")
    consents = await pool.fetchval("SELECT count(*) FROM consent_records")
    again, rejects = await import_file(database_url, "subscriptions", path, workers=1)
    assert (again.imported, again.rejected) == (0, 4)
    assert len(read_rejects(rejects)) == 4  # the reject file is complete on every run
    assert await pool.fetch("SELECT * FROM subscriptions ORDER BY id") == before
    assert await pool.fetchval("SELECT count(*) FROM consent_records") == consents


async def test_a_parents_own_subscription_is_never_overwritten_by_an_import(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        await linked_roster(conn, [("par-1", "pu-1")])
        await conn.execute(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)"
            " VALUES ('par-1', 'pu-1', '+77017654321', '{announcements}', 'kk')"
        )
    path = write_jsonl(tmp_path / "subs.jsonl", [{
        "parent_id": "par-1", "pupil_id": "pu-1", "phone": "+77011234567", "types": ["homework"],
        "language": "ru", "consent_source": "crm", "consent_at": AT,
        "phone_verified_by_core": True,
    }])  # fmt: skip
    outcome, _ = await import_file(database_url, "subscriptions", path, workers=1)
    assert (outcome.imported, outcome.existing) == (0, 1)
    row = await pool.fetchrow("SELECT phone, types FROM subscriptions")
    assert tuple(row.values()) == ("+77017654321", ["announcements"])


async def test_opening_balances_are_posted_once_through_the_ledger_one_journal_a_batch(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "balances.jsonl",
        [
            *balances(5),
            {"parent_id": "par-kg", "currency": "KGS", "amount": 300_00, "reference": "old-kg"},
        ],
    )
    outcome, _ = await import_file(database_url, "balances", path, batch_size=2, workers=1)
    assert (outcome.imported, outcome.rejected) == (6, 0)
    journals = await pool.fetch(
        "SELECT reference FROM ledger_transactions WHERE kind = 'opening_balance' ORDER BY id"
    )
    assert len(journals) == 3
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)
        wallet = await conn.fetchval("SELECT posted FROM ledger_accounts WHERE owner = 'par-3'")
        assert wallet == 500_00
        async with conn.transaction():
            kzt = await conn.fetchval(
                "SELECT id FROM ledger_accounts WHERE kind = 'opening_balance' AND currency = 'KZT'"
            )
            assert await account_balance(conn, kzt) == 5 * 500_00
    state = await money_state(pool)  # type: ignore[arg-type]
    again, _ = await import_file(database_url, "balances", path, batch_size=2, workers=1)
    assert (again.imported, again.resumed_batches) == (0, 3)
    assert await money_state(pool) == state  # type: ignore[arg-type]


async def test_a_balance_is_known_by_its_reference_whatever_file_carries_it(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    await import_file(database_url, "balances", write_jsonl(tmp_path / "a.jsonl", balances(3)))
    state = await money_state(pool)  # type: ignore[arg-type]
    second = write_jsonl(tmp_path / "b.jsonl", [
        *balances(2),  # the same balances again, in another file
        {"parent_id": "par-2", "currency": "KZT", "amount": 1, "reference": "old-2"},
        {"parent_id": "par-0", "currency": "KGS", "amount": 1, "reference": "new-1"},
        {"parent_id": "par-x", "currency": "KZT", "amount": -5, "reference": "new-2"},
        "not json",
    ])  # fmt: skip
    outcome, rejects = await import_file(database_url, "balances", second, workers=1)
    assert (outcome.imported, outcome.existing, outcome.rejected) == (0, 2, 4)
    assert [(line, why.split(" ")[0]) for line, why in read_rejects(rejects)] == [
        (3, "reference"), (4, "the"), (5, "amount:"), (6, "unreadable:"),
    ]  # fmt: skip
    assert await money_state(pool) == state  # type: ignore[arg-type]


async def test_a_crash_between_batches_then_a_rerun_imports_each_row_exactly_once(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "balances.jsonl", balances(10))
    shown: list[int] = []

    def crash_after_two_batches(_: Progress, rows: int) -> None:
        shown.append(rows)
        if len(shown) == 2:
            raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(Progress, "advanced", crash_after_two_batches)
        with pytest.raises(RuntimeError, match="killed"):
            await import_file(database_url, "balances", path, batch_size=3, workers=1)
    assert await pool.fetchval("SELECT count(*) FROM opening_balances") == 6
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)
    outcome, _ = await import_file(database_url, "balances", path, batch_size=3, workers=1)
    assert (outcome.imported, outcome.resumed_batches) == (4, 2)
    assert await pool.fetchval("SELECT count(*) FROM opening_balances") == 10
    assert await pool.fetchval("SELECT sum(posted) FROM ledger_accounts") == 10 * 500_00
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)


async def test_a_file_without_a_required_column_is_refused_before_anything_is_written(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "b.csv", ["parent_id", "currency", "amount"], [["p", "KZT", "1"]])
    with pytest.raises(FileProblem, match="reference"):
        await import_file(database_url, "balances", path, workers=1)


async def test_sigkill_mid_import_then_a_rerun_imports_each_balance_exactly_once(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    batches, size = 30, 200
    path = write_jsonl(tmp_path / "balances.jsonl", balances(batches * size))
    command = [sys.executable, "-m", "notifier", "import", "balances", str(path),
               "--batch-size", str(size)]  # fmt: skip
    env = os.environ | {"DATABASE_URL": settings.database_url,
                        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers}  # fmt: skip
    log = (tmp_path / "killed.log").open("wb")
    child = await asyncio.create_subprocess_exec(*command, env=env, stdout=log, stderr=log)
    try:
        while await pool.fetchval("SELECT count(*) FROM import_batches") < 2:
            assert child.returncode is None, (tmp_path / "killed.log").read_text()
            await asyncio.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        await child.wait()
        log.close()
    committed = await pool.fetchval("SELECT count(*) FROM import_batches")
    assert 2 <= committed < batches
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)  # a kill leaves whole batches, balanced
    rerun = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE)
    out, _ = await rerun.communicate()
    assert rerun.returncode == 0
    assert f"{committed} batch(es) done by an earlier run" in out.decode()
    assert await pool.fetchval("SELECT count(*) FROM opening_balances") == batches * size
    posted = await pool.fetch("SELECT DISTINCT posted FROM ledger_accounts WHERE kind = 'wallet'")
    assert [r[0] for r in posted] == [500_00]
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)


async def test_a_journal_checked_once_per_commit_still_refuses_an_entry_added_after_its_check(
    pool: asyncpg.Pool,
) -> None:
    insert = (
        "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
        " SELECT $1, a, m, 'KZT' FROM unnest($2::bigint[], $3::bigint[]) AS x(a, m)"
    )
    async with pool.acquire() as conn:
        async with conn.transaction():
            source = await account(conn, "opening_balance", "", "KZT")
            wallet = await account(conn, "wallet", "par-1", "KZT")
        tr = conn.transaction()
        await tr.start()
        await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checked after each statement
        tx = await conn.fetchval(
            "INSERT INTO ledger_transactions (kind, reference) VALUES ('t', '1') RETURNING id"
        )
        await conn.execute(insert, tx, [wallet] * 3 + [source], [-1_00] * 3 + [3_00])
        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            await conn.execute(insert, tx, [wallet], [-5])
        await tr.rollback()
