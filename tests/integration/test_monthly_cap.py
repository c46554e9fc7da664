"""The monthly cap on real PostgreSQL: an SMS that would cross it is recorded `skipped_cap`,
never held or charged; the parent is told once a month, free; released and refunded SMS do
not count; and two batches at once on one wallet never take the month past the cap."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg

from billing.batch_holds import release_holds
from billing.captures import capture_holds
from billing.delivery import refund_undelivered
from billing.ledger import wallet_balance
from notifier.manager.spending import set_cap, spending
from notifier.outbox.caps import month_start
from notifier.outbox.enqueue import enqueue_paid
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.money_support import ONE_PART, T0, TTL, roster, sms, top_up

_HOMEWORK = "SELECT status FROM notifications WHERE kind = 'homework' ORDER BY id"


async def _capped(pool: asyncpg.Pool, parent: str, cap: int | None) -> dict[str, int]:
    async with pool.acquire() as conn, conn.transaction():
        subs = await roster(conn, [parent])
        await top_up(conn, parent, 1000_00)
        await set_cap(conn, parent, cap, T0)
    return subs


async def _send(pool: asyncpg.Pool, parent: str, sub: int, n: int, at: datetime = T0) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await enqueue_paid(conn, [sms(parent, sub, ONE_PART) for _ in range(n)], now=at,
                           hold_ttl=TTL)  # fmt: skip


async def test_an_sms_over_the_cap_is_skipped_uncharged_and_says_why(pool: asyncpg.Pool) -> None:
    subs = await _capped(pool, "p", 50_00)  # 20.00 a part: two SMS fit, the third does not
    await _send(pool, "p", subs["p"], 3)
    rows = await pool.fetch(
        "SELECT status, hold_id, last_error FROM notifications WHERE kind = 'homework' ORDER BY id"
    )
    assert [r["status"] for r in rows] == ["queued", "queued", "skipped_cap"]
    assert rows[2]["hold_id"] is None
    assert rows[2]["last_error"] == (
        "monthly cap 50.00 KZT reached: 40.00 KZT spent this month, this SMS costs 20.00 KZT"
    )
    async with pool.acquire() as conn:
        wallet = await wallet_balance(conn, "p")
        assert wallet is not None
        assert wallet.held == 40_00
        await assert_ledger_invariants(conn)


async def test_the_parent_is_told_once_a_month_for_free(pool: asyncpg.Pool) -> None:
    subs = await _capped(pool, "p", 20_00)
    for _ in range(3):
        await _send(pool, "p", subs["p"], 2)
    notices = await pool.fetch("SELECT body, hold_id FROM notifications WHERE kind = 'cap_reached'")
    assert [(n["body"], n["hold_id"]) for n in notices] == [
        ("Лимит SMS на месяц 20.00 KZT исчерпан, SMS не отправляются.", None)
    ]
    async with pool.acquire() as conn:  # the free notice is paid by the house, never counted
        assert (await spending(conn, "p", T0)).spent == 20_00
        wallet = await wallet_balance(conn, "p")
        assert wallet is not None
        assert wallet.available == 980_00
    next_month = T0 + timedelta(days=30)  # 23 Dec: a new month, the cap starts again
    await _send(pool, "p", subs["p"], 2, at=next_month)
    statuses = await pool.fetch(
        "SELECT status FROM notifications WHERE kind = 'homework' ORDER BY id OFFSET 6"
    )
    assert [r[0] for r in statuses] == ["queued", "skipped_cap"]
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'cap_reached'") == 2


async def test_raising_the_cap_lets_sms_go_again(pool: asyncpg.Pool) -> None:
    subs = await _capped(pool, "p", 20_00)
    await _send(pool, "p", subs["p"], 2)
    async with pool.acquire() as conn:
        await set_cap(conn, "p", 60_00, T0)
    await _send(pool, "p", subs["p"], 2)
    async with pool.acquire() as conn:
        await set_cap(conn, "p", None, T0)
    await _send(pool, "p", subs["p"], 2)
    statuses = await pool.fetch(_HOMEWORK)
    assert [r[0] for r in statuses] == ["queued", "skipped_cap"] + ["queued"] * 4


async def test_released_and_refunded_sms_give_their_room_back(pool: asyncpg.Pool) -> None:
    subs = await _capped(pool, "p", 60_00)
    await _send(pool, "p", subs["p"], 3)
    holds = [r[0] for r in await pool.fetch("SELECT hold_id FROM notifications ORDER BY id")]
    async with pool.acquire() as conn, conn.transaction():
        await release_holds(conn, [(holds[0], "cancelled")])
        await capture_holds(conn, holds[1:])
        await refund_undelivered(conn, holds[1])
    async with pool.acquire() as conn:
        assert (await spending(conn, "p", T0)).spent == 20_00  # only the third still counts
    await _send(pool, "p", subs["p"], 3)
    statuses = await pool.fetch(
        "SELECT status FROM notifications WHERE kind = 'homework' ORDER BY id OFFSET 3"
    )
    assert [r[0] for r in statuses] == ["queued", "queued", "skipped_cap"]


async def test_the_month_begins_at_midnight_in_almaty_not_utc(pool: asyncpg.Pool) -> None:
    subs = await _capped(pool, "p", 20_00)
    last_of_nov = datetime.fromisoformat("2026-11-30T18:30:00+00:00")  # 23:30 in Almaty
    first_of_dec = datetime.fromisoformat("2026-11-30T19:30:00+00:00")  # 00:30 on 1 Dec
    assert month_start(first_of_dec, "Asia/Almaty") == datetime.fromisoformat(
        "2026-11-30T19:00:00+00:00"
    )
    await _send(pool, "p", subs["p"], 1, at=last_of_nov)
    await _send(pool, "p", subs["p"], 1, at=first_of_dec)
    statuses = await pool.fetch(_HOMEWORK)
    assert [r[0] for r in statuses] == ["queued", "queued"]


async def test_two_batches_at_once_never_take_the_month_past_the_cap(pool: asyncpg.Pool) -> None:
    subs = await _capped(pool, "p", 90_00)  # room for four 20.00 SMS, not five
    start = asyncio.Event()

    async def batch(n: int) -> int:
        async with pool.acquire() as conn, conn.transaction():
            await start.wait()
            result = await enqueue_paid(conn, [sms("p", subs["p"], ONE_PART) for _ in range(n)],
                                        now=T0, hold_ttl=TTL)  # fmt: skip
            await asyncio.sleep(0.05)  # hold the wallet lock while the other batch arrives
            return result.queued

    for _ in range(5):
        tasks = [asyncio.create_task(batch(3)) for _ in range(2)]
        await asyncio.sleep(0.05)
        start.set()
        queued = await asyncio.gather(*tasks)
        start.clear()
        async with pool.acquire() as conn:
            held = await pool.fetchval("SELECT coalesce(sum(amount), 0) FROM ledger_holds")
            assert held <= 90_00
            assert (await spending(conn, "p", T0)).spent == held
            await assert_ledger_invariants(conn)
        assert sum(queued) <= 4
    assert await pool.fetchval("SELECT sum(amount) FROM ledger_holds") == 80_00
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'cap_reached'") == 1
