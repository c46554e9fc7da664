"""The set-based SMS money path on real PostgreSQL: enqueue holds exactly what each wallet
affords (in order) and its monthly cap allows, batched capture and release keep every ledger
invariant and the month's spend, and batches locking the same wallets from two transactions
never deadlock."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.batch_holds import release_holds
from billing.captures import capture_holds
from billing.ledger import wallet_balance
from notifier.manager.spending import set_cap, spending
from notifier.outbox.enqueue import enqueue_paid
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.money_support import ONE_PART, T0, TTL, TWO_PARTS, roster, sms, top_up


async def test_a_class_where_only_parents_with_enough_money_get_the_sms(
    pool: asyncpg.Pool,
) -> None:
    parents = ["no-wallet", "too-little", "exactly", "plenty"]
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, parents)
        await top_up(conn, "too-little", 39_99)
        await top_up(conn, "exactly", 40_00)
        await top_up(conn, "plenty", 1000_00)
        result = await enqueue_paid(
            conn, [sms(p, subs[p], TWO_PARTS) for p in parents], now=T0, hold_ttl=TTL
        )
    assert (result.queued, result.skipped) == (2, 2)
    rows = await pool.fetch("SELECT parent_id, status, price FROM notifications ORDER BY id")
    assert [(r["parent_id"], r["status"]) for r in rows] == [
        ("no-wallet", "skipped_insufficient_funds"),
        ("too-little", "skipped_insufficient_funds"),
        ("exactly", "queued"),
        ("plenty", "queued"),
    ]
    async with pool.acquire() as conn:
        exactly = await wallet_balance(conn, "exactly")
        assert exactly is not None
        assert (exactly.posted, exactly.held) == (40_00, 40_00)
        await assert_ledger_invariants(conn)


async def test_one_wallet_pays_for_as_many_sms_of_a_batch_as_it_affords_in_order(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["p"])
        await top_up(conn, "p", 100_00)
        items = [sms("p", subs["p"], TWO_PARTS) for _ in range(3)]  # 40 + 40 + 40 > 100
        result = await enqueue_paid(conn, items, now=T0, hold_ttl=TTL)
    assert (result.queued, result.skipped) == (2, 1)
    statuses = await pool.fetch("SELECT status FROM notifications ORDER BY id")
    assert [r[0] for r in statuses] == ["queued", "queued", "skipped_insufficient_funds"]


async def test_the_same_dedupe_key_queues_and_charges_once(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, ["p"])
        await top_up(conn, "p", 100_00)
        first = await enqueue_paid(conn, [sms("p", subs["p"], ONE_PART, "hw:1")] * 2,
                                   now=T0, hold_ttl=TTL)  # fmt: skip
        again = await enqueue_paid(conn, [sms("p", subs["p"], ONE_PART, "hw:1")],
                                   now=T0, hold_ttl=TTL)  # fmt: skip
    assert (first.queued, first.duplicates, again.queued, again.duplicates) == (1, 1, 0, 1)
    async with pool.acquire() as conn:
        wallet = await wallet_balance(conn, "p")
        assert wallet is not None
        assert wallet.held == 20_00


async def test_batches_locking_the_same_wallets_concurrently_never_deadlock(
    pool: asyncpg.Pool,
) -> None:
    parents = [f"par-{i}" for i in range(20)]
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, parents)
        for p in parents:
            await top_up(conn, p, 10_000_00)

    async def batch(order: list[str]) -> int:
        async with pool.acquire() as conn, conn.transaction():
            r = await enqueue_paid(conn, [sms(p, subs[p], ONE_PART) for p in order],
                                   now=T0, hold_ttl=TTL)  # fmt: skip
            await asyncio.sleep(0.01)  # keep the locks while the other batch runs
            return r.queued

    forwards, backwards = parents, list(reversed(parents))
    results = await asyncio.gather(*(batch(o) for o in [forwards, backwards] * 10))
    assert sum(results) == 20 * 20
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)


step = st.one_of(
    st.tuples(st.just("top_up"), st.integers(0, 3), st.integers(1, 100_00)),
    st.tuples(st.just("enqueue"), st.lists(st.integers(0, 3), min_size=1, max_size=8),
              st.booleans()),
    st.tuples(st.just("capture"), st.integers(0, 10), st.integers(1, 5)),
    st.tuples(st.just("release"), st.integers(0, 10), st.integers(1, 5)),
    st.tuples(st.just("cap"), st.integers(0, 3), st.one_of(st.none(), st.integers(0, 200_00))),
)  # fmt: skip


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=15))
async def test_random_batches_keep_every_ledger_invariant(
    pool: asyncpg.Pool, steps: list[tuple[object, ...]]
) -> None:
    parents = [f"q-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    available = [0, 0, 0, 0]
    model = _Caps([None] * 4, [0] * 4)  # every step runs in the same month (T0)
    open_holds: list[tuple[int, int, int]] = []  # hold id, parent index, amount
    async with pool.acquire() as conn:
        async with conn.transaction():
            subs = await roster(conn, parents)
        for s in steps:
            async with conn.transaction():
                await _step(conn, s, parents, subs, available, open_holds, model)
            await assert_ledger_invariants(conn)
            for i, p in enumerate(parents):
                w = await wallet_balance(conn, p)
                assert (w.available if w else 0) == available[i], f"after {s}"
                assert (await spending(conn, p, T0)).spent == model.spent[i], f"after {s}"


@dataclass
class _Caps:
    cap: list[int | None]  # per parent, minor units
    spent: list[int]  # this month: held or captured, not released


async def _step(
    conn: asyncpg.Connection, s: tuple[object, ...], parents: list[str], subs: dict[str, int],
    available: list[int], open_holds: list[tuple[int, int, int]], model: _Caps,
) -> None:  # fmt: skip
    kind = s[0]
    if kind == "cap":
        i, cap = int(s[1]), s[2]  # type: ignore[call-overload]
        await set_cap(conn, parents[i], cap, T0)  # type: ignore[arg-type]
        model.cap[i] = cap  # type: ignore[assignment]
    elif kind == "top_up":
        i, amount = int(s[1]), int(s[2])  # type: ignore[call-overload]
        await top_up(conn, parents[i], amount)
        available[i] += amount
    elif kind == "enqueue":
        who: list[int] = s[1]  # type: ignore[assignment]
        body = TWO_PARTS if s[2] else ONE_PART
        cost = 40_00 if s[2] else 20_00
        result = await enqueue_paid(conn, [sms(parents[i], subs[parents[i]], body) for i in who],
                                    now=T0, hold_ttl=TTL)  # fmt: skip
        expected = []
        for i in who:  # in order: a wallet pays while it can and its cap allows
            cap = model.cap[i]
            if cap is not None and model.spent[i] + cost > cap:
                continue  # skipped_cap: nothing held
            if available[i] >= cost:
                available[i] -= cost
                model.spent[i] += cost
                expected.append(i)
        assert result.queued == len(expected)
        holds = await conn.fetch(
            "SELECT h.id, h.amount, n.parent_id FROM ledger_holds h JOIN notifications n"
            " ON n.hold_id = h.id WHERE n.id = ANY($1::bigint[]) ORDER BY n.id",
            result.notification_ids,
        )
        assert [parents.index(h["parent_id"]) for h in holds] == expected
        open_holds += [(h["id"], parents.index(h["parent_id"]), h["amount"]) for h in holds]
    else:
        start, count = int(s[1]), int(s[2])  # type: ignore[call-overload]
        chosen = open_holds[start : start + count]
        if kind == "capture":
            done = await capture_holds(conn, [h[0] for h in chosen])
        else:
            done = await release_holds(conn, [(h[0], "test") for h in chosen])
            for _, i, amount in chosen:
                available[i] += amount
                model.spent[i] -= amount  # a released SMS gives its room back
        assert sorted(done) == sorted(h[0] for h in chosen)
        del open_holds[start : start + count]
