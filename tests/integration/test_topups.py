"""Top-ups on real PostgreSQL: limits, exactly-once crediting, refunds beyond the balance,
disputes, the status history and expiry."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from billing.errors import CurrencyMismatch
from billing.holds import capture_hold, place_hold
from billing.ledger import wallet_balance
from billing.topups import (
    AmountOutOfRange,
    ConflictingEvent,
    DailyLimitReached,
    TopUp,
    TopUpLimits,
    apply_payment_event,
    attach_payment,
    create_top_up,
    expire_pending,
    receive_payment_event,
    record_payment_event,
)  # fmt: skip
from gateways.payments import EventKind, PaymentEvent, PaymentSession
from tests.integration.ledger_checks import assert_ledger_invariants

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMITS = TopUpLimits({"KZT": 500_00}, {"KZT": 100_000_00}, {"KZT": 150_000_00})


async def _pending(pool: asyncpg.Pool, parent: str, amount: int, at: datetime = T0) -> TopUp:
    async with pool.acquire() as conn, conn.transaction():
        top_up = await create_top_up(
            conn, parent_id=parent, amount=amount, currency="KZT", gateway="dev",
            limits=LIMITS, now=at,
        )  # fmt: skip
        session = PaymentSession(f"pay-{top_up.id}", f"https://pay.example/{top_up.id}")
        return await attach_payment(conn, top_up.id, session)


def _event(
    top_up: TopUp, kind: EventKind, amount: int | None = None, ref: str | None = None
) -> PaymentEvent:
    return PaymentEvent(
        event_id=f"evt-{uuid.uuid4().hex}", gateway="dev", kind=kind,
        gateway_payment_id=top_up.gateway_payment_id or "", amount=amount or top_up.amount,
        currency="KZT", reference=ref, raw_sha256="0" * 64,
    )  # fmt: skip


async def _apply(pool: asyncpg.Pool, event: PaymentEvent) -> str:
    async with pool.acquire() as conn, conn.transaction():
        return await apply_payment_event(conn, event)


async def _available(pool: asyncpg.Pool, parent: str) -> int:
    async with pool.acquire() as conn:
        balance = await wallet_balance(conn, parent)
    return balance.available if balance else 0


async def _spend(pool: asyncpg.Pool, parent: str, amount: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        hold = await place_hold(conn, parent, amount, reference=f"sms-{uuid.uuid4()}",
                                expires_at=T0 + timedelta(days=1))  # fmt: skip
        await capture_hold(conn, hold.id)


async def _status(pool: asyncpg.Pool, top_up: TopUp) -> str:
    return str(await pool.fetchval("SELECT status FROM top_ups WHERE id = $1", top_up.id))


async def test_a_success_delivered_twice_and_in_any_order_credits_once(pool: asyncpg.Pool) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)
    assert await _apply(pool, _event(top_up, "failed")) == "failed"
    assert await _apply(pool, _event(top_up, "succeeded")) == "credited"  # paid after all
    assert await _apply(pool, _event(top_up, "succeeded")) == "already_applied"
    assert await _apply(pool, _event(top_up, "expired")) == "ignored"
    assert await _available(pool, "par-1") == 1000_00
    assert await _status(pool, top_up) == "succeeded"
    history = await pool.fetch(
        "SELECT from_status, to_status FROM top_up_transitions WHERE top_up_id = $1 ORDER BY id",
        top_up.id,
    )
    assert [(r["from_status"], r["to_status"]) for r in history] == [
        (None, "created"),
        ("created", "pending"),
        ("pending", "failed"),
        ("failed", "succeeded"),
    ]


async def test_the_same_event_delivered_concurrently_credits_once(pool: asyncpg.Pool) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)
    event = _event(top_up, "succeeded")

    async def deliver() -> str | None:
        async with pool.acquire() as conn:
            return await receive_payment_event(conn, event, b'{"same": "body"}')

    outcomes = await asyncio.gather(*(deliver() for _ in range(8)))
    assert outcomes.count("credited") == 1
    assert outcomes.count(None) == 7  # recognised as repeats
    assert await _available(pool, "par-1") == 1000_00


async def test_different_events_for_one_payment_arriving_together_credit_once(
    pool: asyncpg.Pool,
) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)

    async def deliver() -> str | None:
        async with pool.acquire() as conn:
            return await receive_payment_event(conn, _event(top_up, "succeeded"), b"{}")

    outcomes = await asyncio.gather(*(deliver() for _ in range(8)))
    assert sorted(outcomes) == ["already_applied"] * 7 + ["credited"]
    assert await _available(pool, "par-1") == 1000_00


async def test_an_amount_or_currency_that_differs_is_refused_and_nothing_changes(
    pool: asyncpg.Pool,
) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)
    async with pool.acquire() as conn:
        assert await receive_payment_event(conn, _event(top_up, "succeeded", 9000_00), b"a") == (
            "mismatch"
        )
        wrong = _event(top_up, "succeeded")
        wrong = PaymentEvent(**{**wrong.__dict__, "currency": "KGS"})
        assert await receive_payment_event(conn, wrong, b"b") == "mismatch"
        assert await conn.fetchval("SELECT count(*) FROM payment_events") == 0
    assert await _available(pool, "par-1") == 0
    assert await _status(pool, top_up) == "pending"


async def test_the_same_event_id_with_another_body_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        assert await record_payment_event(conn, "dev", "evt-1", b"one") is True
        assert await record_payment_event(conn, "dev", "evt-1", b"one") is False
        with pytest.raises(ConflictingEvent):
            await record_payment_event(conn, "dev", "evt-1", b"two")


async def test_a_refund_beyond_the_balance_empties_the_wallet_and_books_the_rest_as_receivable(
    pool: asyncpg.Pool,
) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)
    await _apply(pool, _event(top_up, "succeeded"))
    await _spend(pool, "par-1", 700_00)
    assert await _apply(pool, _event(top_up, "refunded", 1000_00, "re_1")) == "refunded"
    assert await _apply(pool, _event(top_up, "refunded", 1000_00, "re_1")) == "already_applied"
    assert await _available(pool, "par-1") == 0
    receivable = await pool.fetchval(
        "SELECT posted FROM ledger_accounts WHERE kind = 'receivable' AND owner = 'par-1'"
    )
    assert receivable == 700_00
    row = await pool.fetchrow("SELECT status, receivable_amount FROM top_ups WHERE id = $1",
                              top_up.id)  # fmt: skip
    assert (row["status"], row["receivable_amount"]) == ("refunded", 700_00)
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)


async def test_refunds_never_return_more_than_was_paid(pool: asyncpg.Pool) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)
    await _apply(pool, _event(top_up, "succeeded"))
    assert await _apply(pool, _event(top_up, "refunded", 400_00, "re_1")) == "refunded"
    assert await _status(pool, top_up) == "partially_refunded"
    assert await _apply(pool, _event(top_up, "refunded", 700_00, "re_2")) == "mismatch"
    assert await _available(pool, "par-1") == 600_00


async def test_a_dispute_lost_takes_the_money_and_won_later_gives_it_back(
    pool: asyncpg.Pool,
) -> None:
    top_up = await _pending(pool, "par-1", 1000_00)
    await _apply(pool, _event(top_up, "succeeded"))
    await _spend(pool, "par-1", 200_00)
    assert await _apply(pool, _event(top_up, "dispute_opened", ref="dp_1")) == "dispute_opened"
    assert await _apply(pool, _event(top_up, "dispute_lost", 1000_00, "dp_1")) == "dispute_lost"
    assert await _available(pool, "par-1") == 0
    assert await _apply(pool, _event(top_up, "dispute_won", 1000_00, "dp_1")) == "dispute_won"
    assert await _available(pool, "par-1") == 800_00
    assert await _status(pool, top_up) == "succeeded"
    receivable = await pool.fetchval(
        "SELECT posted FROM ledger_accounts WHERE kind = 'receivable' AND owner = 'par-1'"
    )
    assert receivable == 0
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)


async def test_amounts_outside_the_limits_are_refused(pool: asyncpg.Pool) -> None:
    with pytest.raises(AmountOutOfRange, match=r"500\.00 KZT and 100000\.00 KZT"):
        await _pending(pool, "par-1", 499_99)
    with pytest.raises(AmountOutOfRange):
        await _pending(pool, "par-1", 100_000_01)


async def test_the_daily_limit_counts_24_hours_and_not_failed_attempts(pool: asyncpg.Pool) -> None:
    first = await _pending(pool, "par-1", 100_000_00)
    with pytest.raises(DailyLimitReached) as refused:
        await _pending(pool, "par-1", 60_000_00, at=T0 + timedelta(hours=1))
    assert refused.value.left == 50_000_00
    assert refused.value.retry_after == 23 * 3600
    await _apply(pool, _event(first, "failed"))
    await _pending(pool, "par-1", 60_000_00, at=T0 + timedelta(hours=1))
    await _pending(pool, "par-1", 100_000_00, at=T0 + timedelta(hours=25))


async def test_unpaid_top_ups_expire_but_a_late_payment_still_counts(pool: asyncpg.Pool) -> None:
    old = await _pending(pool, "par-1", 1000_00)
    fresh = await _pending(pool, "par-1", 1000_00, at=T0 + timedelta(minutes=50))
    async with pool.acquire() as conn, conn.transaction():
        expired = await expire_pending(conn, T0 + timedelta(minutes=61), timedelta(minutes=60))
    assert expired == [old.id]
    assert await _status(pool, fresh) == "pending"
    assert await _apply(pool, _event(old, "succeeded")) == "credited"
    assert await _status(pool, old) == "succeeded"


async def test_a_second_currency_is_refused_while_a_top_up_in_another_is_under_way(
    pool: asyncpg.Pool,
) -> None:
    await _pending(pool, "par-1", 1000_00)
    limits = TopUpLimits({"KGS": 100_00}, {"KGS": 20_000_00}, {"KGS": 40_000_00})
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(CurrencyMismatch, match="kept in KZT"):
            await create_top_up(
                conn, parent_id="par-1", amount=500_00, currency="KGS", gateway="dev",
                limits=limits, now=T0,
            )  # fmt: skip
