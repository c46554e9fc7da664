"""The ledger on real PostgreSQL: model-based property test, concurrency, append-only."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.errors import CurrencyMismatch, HoldAlreadyResolved, InsufficientFunds
from billing.holds import capture_hold, expire_holds, place_hold, release_hold
from billing.ledger import credit_wallet, wallet_balance
from tests.integration.ledger_checks import assert_ledger_invariants

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

op = st.one_of(
    st.tuples(st.just("top_up"), st.integers(0, 2), st.integers(1, 50_00)),
    st.tuples(st.just("hold"), st.integers(0, 2), st.integers(1, 30_00)),
    st.tuples(st.just("capture"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("release"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("expire"), st.integers(0, 3), st.just(0)),
)


@dataclass
class Model:
    posted: list[int] = field(default_factory=lambda: [0, 0, 0])
    held: list[int] = field(default_factory=lambda: [0, 0, 0])
    holds: list[tuple[int, int, int, str]] = field(default_factory=list)  # id, parent, amt, state


async def _apply(
    conn: asyncpg.Connection, m: Model, parents: list[str], step: tuple[str, int, int], n: int
) -> None:
    kind, a, b = step
    if kind == "top_up":
        await credit_wallet(conn, parents[a], b, "KZT", source=("gateway_clearing", "test"),
                            kind="top_up", reference=f"{parents[a]}-{n}")  # fmt: skip
        m.posted[a] += b
    elif kind == "hold":
        try:
            h = await place_hold(conn, parents[a], b, reference=f"{parents[a]}-h{n}",
                                 expires_at=T0 + timedelta(hours=n % 4))  # fmt: skip
        except InsufficientFunds:
            assert m.posted[a] - m.held[a] < b  # refused only when it really does not fit
            return
        assert m.posted[a] - m.held[a] >= b
        m.held[a] += b
        m.holds.append((h.id, a, b, "open"))
    elif kind in ("capture", "release") and m.holds:
        i = a % len(m.holds)
        hold_id, parent, amount, state = m.holds[i]
        try:
            if kind == "capture":
                await capture_hold(conn, hold_id)
            else:
                await release_hold(conn, hold_id, "test")
        except HoldAlreadyResolved:
            assert state != "open"
            return
        assert state == "open"
        m.held[parent] -= amount
        m.posted[parent] -= amount if kind == "capture" else 0
        m.holds[i] = (hold_id, parent, amount, kind)
    elif kind == "expire":
        await expire_holds(conn, T0 + timedelta(hours=a))
        for i, (hold_id, parent, amount, state) in enumerate(m.holds):
            status = await conn.fetchval("SELECT status FROM ledger_holds WHERE id=$1", hold_id)
            if state == "open" and status == "released":
                m.held[parent] -= amount
                m.holds[i] = (hold_id, parent, amount, "expired")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(op, min_size=1, max_size=25))
async def test_random_money_operations_keep_every_invariant(
    pool: asyncpg.Pool, steps: list[tuple[str, int, int]]
) -> None:
    parents = [f"p-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    model = Model()
    async with pool.acquire() as conn:
        for n, step in enumerate(steps):
            async with conn.transaction():
                await _apply(conn, model, parents, step, n)
            await assert_ledger_invariants(conn)
            for i, parent in enumerate(parents):
                bal = await wallet_balance(conn, parent)
                got = (bal.posted, bal.held) if bal else (0, 0)
                assert got == (model.posted[i], model.held[i]), f"after {step}"


async def test_fifty_simultaneous_charges_on_a_wallet_that_affords_ten(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await credit_wallet(conn, "hot", 10 * 40_00, "KZT", source=("gateway_clearing", "t"),
                            kind="top_up", reference="hot-1")  # fmt: skip

    async def charge(i: int) -> bool:
        async with pool.acquire() as conn, conn.transaction():
            try:
                hold = await place_hold(conn, "hot", 40_00, reference=f"hot-{i}",
                                        expires_at=T0)  # fmt: skip
            except InsufficientFunds:
                return False
            await capture_hold(conn, hold.id)
            return True

    results = await asyncio.gather(*(charge(i) for i in range(50)))
    assert sum(results) == 10
    async with pool.acquire() as conn:
        bal = await wallet_balance(conn, "hot")
        assert bal is not None
        assert (bal.posted, bal.held) == (0, 0)
        await assert_ledger_invariants(conn)


async def test_racing_capture_release_and_expiry_resolve_a_hold_once(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await credit_wallet(conn, "race", 100_00, "KZT", source=("gateway_clearing", "t"),
                            kind="top_up", reference="race-1")  # fmt: skip
        hold = await place_hold(conn, "race", 60_00, reference="race-h", expires_at=T0)

    async def resolve(how: str) -> str:
        async with pool.acquire() as conn, conn.transaction():
            try:
                if how == "capture":
                    await capture_hold(conn, hold.id)
                elif how == "release":
                    await release_hold(conn, hold.id, "provider error")
                else:
                    return (
                        "expire" if await expire_holds(conn, T0 + timedelta(hours=1)) else "no-op"
                    )
            except HoldAlreadyResolved:
                return "no-op"
            return how

    outcomes = await asyncio.gather(*(resolve(h) for h in ["capture", "release", "expire"] * 5))
    winners = [o for o in outcomes if o != "no-op"]
    assert len(winners) == 1
    async with pool.acquire() as conn:
        bal = await wallet_balance(conn, "race")
        assert bal is not None
        assert bal.held == 0
        assert bal.posted == (40_00 if winners == ["capture"] else 100_00)
        await assert_ledger_invariants(conn)


async def _post_one_sided_entry(conn: asyncpg.Connection, account_id: int) -> None:
    async with conn.transaction():
        tx = await conn.fetchval(
            "INSERT INTO ledger_transactions (kind, reference) VALUES ('x', 'y') RETURNING id"
        )
        await conn.execute(
            "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
            " VALUES ($1, $2, -100, 'KZT')",
            tx,
            account_id,
        )


async def test_the_ledger_refuses_updates_deletes_and_unbalanced_transactions(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await credit_wallet(conn, "ao", 5_00, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference="ao-1")  # fmt: skip
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("UPDATE ledger_entries SET amount = amount * 2")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("DELETE FROM ledger_transactions")
        wallet = (await wallet_balance(conn, "ao")).account_id  # type: ignore[union-attr]
        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            await _post_one_sided_entry(conn, wallet)
        assert (await wallet_balance(conn, "ao")).posted == 5_00  # type: ignore[union-attr]
        # What an entry names exists, and stays: checked per statement (migration 0030).
        entry = "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
        tx = await conn.fetchval("SELECT max(transaction_id) FROM ledger_entries")
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="transaction 999999, which"):
            await conn.execute(entry + " VALUES (999999, $1, 100, 'KZT')", wallet)
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="account 999999, which"):
            await conn.execute(entry + " VALUES ($1, 999999, 100, 'KZT')", tx)
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="hold names transaction 9"):
            await conn.execute(
                "INSERT INTO ledger_holds (account_id, amount, currency, reference, expires_at,"
                " transaction_id) VALUES ($1, 100, 'KZT', 'h', now(), 999999)", wallet
            )  # fmt: skip
        with pytest.raises(asyncpg.RestrictViolationError, match="never deleted"):
            await conn.execute("DELETE FROM ledger_accounts WHERE id = $1", wallet)
        with pytest.raises(asyncpg.RestrictViolationError, match="never deleted"):
            await conn.execute("TRUNCATE ledger_accounts CASCADE")


async def test_a_top_up_is_credited_once_per_reference_and_in_one_currency(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        args = {"source": ("gateway_clearing", "t"), "kind": "top_up", "reference": "pay-1"}
        assert await credit_wallet(conn, "once", 7_00, "KZT", **args) is not None  # type: ignore[arg-type]
        assert await credit_wallet(conn, "once", 7_00, "KZT", **args) is None  # type: ignore[arg-type]
        with pytest.raises(CurrencyMismatch):
            await credit_wallet(conn, "once", 7_00, "KGS", source=("gateway_clearing", "t"),
                                kind="top_up", reference="pay-2")  # fmt: skip
        assert (await wallet_balance(conn, "once")).posted == 7_00  # type: ignore[union-attr]


async def test_a_batch_of_transactions_is_checked_whole_and_a_later_entry_again(
    pool: asyncpg.Pool,
) -> None:
    """The balance check runs once for a batch of ledger transactions written together; an
    unbalanced one among them, or an entry added to one after the check, is still refused."""
    async with pool.acquire() as conn:
        async with conn.transaction():
            await credit_wallet(conn, "batch", 5_00, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference="batch-1")  # fmt: skip
        wallet = (await wallet_balance(conn, "batch")).account_id  # type: ignore[union-attr]
        house = await conn.fetchval(
            "SELECT id FROM ledger_accounts WHERE kind = 'gateway_clearing'"
        )

        async def batch(legs: list[list[int]], then: list[int] | None = None) -> None:
            async with conn.transaction():
                txs = [await conn.fetchval("INSERT INTO ledger_transactions (kind, reference)"
                                           " VALUES ('x', $1) RETURNING id", str(uuid.uuid4()))
                       for _ in legs]  # fmt: skip
                rows = [(tx, (house, wallet)[i % 2], amount)
                        for tx, amounts in zip(txs, legs, strict=True)
                        for i, amount in enumerate(amounts)]  # fmt: skip
                await conn.execute(
                    "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)"
                    " SELECT * , 'KZT' FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])",
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                )
                await conn.execute("SET CONSTRAINTS ledger_entries_balanced IMMEDIATE")
                if then is not None:  # one more entry, on the batch's first transaction
                    await conn.execute(
                        "INSERT INTO ledger_entries (transaction_id, account_id, amount,"
                        " currency) VALUES ($1, $2, $3, 'KZT')", txs[0], wallet, then[0],
                    )  # fmt: skip

        await batch([[1_00, -1_00]] * 50)  # balanced: passes
        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            await batch([[1_00, -1_00]] * 20 + [[1_00, -99]] + [[1_00, -1_00]] * 20)
        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            await batch([[1_00, -1_00]] * 20, then=[-1])
        await assert_ledger_invariants(conn)
