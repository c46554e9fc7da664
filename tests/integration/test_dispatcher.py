"""The dispatcher settles each SMS's hold once: accepted -> charged, refused -> released."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from billing.holds import place_hold
from billing.ledger import account, account_balance, credit_wallet, wallet_balance
from gateways.sms import (
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsProvider,
    SmsRejected,
    SmsTemporaryFailure,
)
from notifier.metrics import Metrics
from notifier.outbox.dispatcher import DispatchConfig, Dispatcher
from notifier.outbox.house import queue_house_sms
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.support import QUEUE_QUEUED, MovableClock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class ScriptedProvider:
    """Our SmsProvider interface, answering from a script: 'ok', 'temporary', 'rejected',
    'ack-lost' (accepted, but the answer never arrives). Lookups answer from what it accepted,
    unless it was built with `lookups=False` (an API that cannot be asked)."""

    name = "scripted"

    def __init__(self, *answers: str, lookups: bool = True) -> None:
        self.answers = list(answers)
        self.sent: list[OutgoingSms] = []
        self.lookups = lookups

    async def send(self, sms: OutgoingSms) -> SendResult:
        answer = self.answers.pop(0)
        if answer == "temporary":
            raise SmsTemporaryFailure("throttled", provider=self.name, status="429")
        if answer == "rejected":
            raise SmsRejected("unknown subscriber", provider=self.name, status="400")
        self.sent.append(sms)
        if answer == "ack-lost":
            raise SmsInDoubt("connection reset after the request", provider=self.name)
        return SendResult(provider_message_id=f"p-{len(self.sent)}")

    async def lookup(self, reference: str) -> SendResult | None:
        if not self.lookups:
            raise LookupUnsupported("no status by reference", provider=self.name)
        found = [i for i, sms in enumerate(self.sent, 1) if sms.reference == reference]
        return SendResult(provider_message_id=f"p-{found[0]}") if found else None

    async def close(self) -> None:
        return None


async def _queue_one(pool: asyncpg.Pool, clock: MovableClock, price: int = 40_00) -> int:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO schools VALUES ('s', 'S', 'KZ');"
            " INSERT INTO classes VALUES ('c', 's', '5А');"
            " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ('p', 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now());"
            " INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)"
            " VALUES ('par', 'p', '+77011234567', '{homework}', 'ru')"
        )
        await credit_wallet(conn, "par", 100_00, "KZT", source=("gateway_clearing", "t"),
                            kind="top_up", reference="t-1")  # fmt: skip
        nid = await conn.fetchval(
            "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
            " phone, body, encoding, parts, price, currency, status, next_attempt_at)"
            " SELECT $1, id, 'par', 'p', 'homework', phone, 'ДЗ', 'UCS-2', 2, $2, 'KZT', 'queued',"
            " $3 FROM subscriptions RETURNING id",
            uuid.uuid4(), price, clock.now(),
        )  # fmt: skip
        hold = await place_hold(conn, "par", price, reference=f"notification:{nid}",
                                expires_at=clock.now() + timedelta(hours=24))  # fmt: skip
        await conn.execute("UPDATE notifications SET hold_id = $2 WHERE id = $1", nid, hold.id)
        await conn.execute(QUEUE_QUEUED)
    return int(nid)


def _dispatcher(
    pool: asyncpg.Pool, provider: SmsProvider, clock: MovableClock,
    metrics: Metrics | None = None, **config: Any,
) -> Dispatcher:  # fmt: skip
    config = {"owner": "instance-a", "sender": "eMektep", "max_attempts": 3} | config
    return Dispatcher(pool=pool, provider=provider, clock=clock, metrics=metrics or Metrics(),
                      config=DispatchConfig(**config))  # fmt: skip


async def _state(pool: asyncpg.Pool, nid: int) -> tuple[str, int, int]:
    async with pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM notifications WHERE id = $1", nid)
        bal = await wallet_balance(conn, "par")
        await assert_ledger_invariants(conn)
    assert bal is not None
    return status, bal.posted, bal.held


async def test_an_accepted_sms_is_charged_exactly_its_price(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    provider = ScriptedProvider("ok")
    assert await _dispatcher(pool, provider, clock).dispatch_once() == 1
    assert await _state(pool, nid) == ("sent", 60_00, 0)
    assert provider.sent[0].phone == "+77011234567"


async def test_a_refused_sms_is_not_charged(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    await _dispatcher(pool, ScriptedProvider("rejected"), clock).dispatch_once()
    assert await _state(pool, nid) == ("failed", 100_00, 0)


async def test_temporary_failures_are_retried_later_then_charged_once(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    dispatcher = _dispatcher(pool, ScriptedProvider("temporary", "ok"), clock)
    await dispatcher.dispatch_once()
    assert await _state(pool, nid) == ("queued", 100_00, 40_00)  # still held, not charged
    assert await dispatcher.dispatch_once() == 0  # not due yet: backoff
    clock.advance(timedelta(minutes=5))
    assert await dispatcher.dispatch_once() == 1
    assert await _state(pool, nid) == ("sent", 60_00, 0)


async def test_out_of_retries_releases_the_money(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    dispatcher = _dispatcher(pool, ScriptedProvider("temporary", "temporary", "temporary"), clock)
    for _ in range(3):
        await dispatcher.dispatch_once()
        clock.advance(timedelta(hours=2))
    assert await _state(pool, nid) == ("failed", 100_00, 0)


async def _leased_by_a_dead_instance(pool: asyncpg.Pool, nid: int, clock: MovableClock) -> None:
    await pool.execute(
        "UPDATE outbox_queue SET lease_owner = 'instance-dead', due_at = $2"
        " WHERE notification_id = $1",
        nid,
        clock.now() - timedelta(seconds=1),
    )


async def test_an_sms_the_provider_took_before_a_crash_is_charged_not_sent_again(
    pool: asyncpg.Pool,
) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    provider = ScriptedProvider("ok")
    await _dispatcher(pool, provider, clock, owner="instance-dead").dispatch_once()
    # The crash came after the provider accepted it and before we recorded that.
    await pool.execute("UPDATE notifications SET status = 'queued' WHERE id = $1", nid)
    await pool.execute(QUEUE_QUEUED)
    await _leased_by_a_dead_instance(pool, nid, clock)
    survivor = _dispatcher(pool, provider, clock)
    assert await survivor.reclaim() == 1
    await survivor.dispatch_once()
    assert len(provider.sent) == 1
    assert await _state(pool, nid) == ("sent", 60_00, 0)


async def test_an_sms_the_provider_never_got_is_sent_after_a_crash(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    await _leased_by_a_dead_instance(pool, nid, clock)
    provider = ScriptedProvider("ok")
    survivor = _dispatcher(pool, provider, clock)
    await survivor.reclaim()
    await survivor.dispatch_once()
    assert [sms.reference for sms in provider.sent] == [f"n{nid}"]
    assert await _state(pool, nid) == ("sent", 60_00, 0)


async def test_a_live_instances_sms_is_never_taken_over(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    await pool.execute(
        "UPDATE outbox_queue SET lease_owner = 'instance-b', due_at = $2"
        " WHERE notification_id = $1",
        nid,
        clock.now() + timedelta(seconds=20),
    )
    other = _dispatcher(pool, ScriptedProvider(), clock)
    assert (await other.reclaim(), await other.dispatch_once()) == (0, 0)
    assert await _state(pool, nid) == ("queued", 100_00, 40_00)  # being sent by instance-b


async def test_a_lost_acknowledgement_is_looked_up_and_charged_once(pool: asyncpg.Pool) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    provider = ScriptedProvider("ack-lost")
    dispatcher = _dispatcher(pool, provider, clock)
    await dispatcher.dispatch_once()
    assert await _state(pool, nid) == ("queued", 100_00, 40_00)  # in doubt: held, not charged
    clock.advance(timedelta(seconds=5))
    await dispatcher.dispatch_once()
    assert len(provider.sent) == 1
    assert await _state(pool, nid) == ("sent", 60_00, 0)


@pytest.mark.parametrize(("policy", "expected"), [("resend", "sent"), ("fail", "failed")])
async def test_in_doubt_without_lookups_follows_the_policy(
    pool: asyncpg.Pool, policy: str, expected: str
) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    await _leased_by_a_dead_instance(pool, nid, clock)
    provider = ScriptedProvider("ok", lookups=False)
    metrics = Metrics()
    survivor = _dispatcher(pool, provider, clock, in_doubt_policy=policy, metrics=metrics)
    await survivor.reclaim()
    await survivor.dispatch_once()
    wallet = {"sent": (60_00, 0), "failed": (100_00, 0)}[expected]
    assert await _state(pool, nid) == (expected, *wallet)
    assert len(provider.sent) == (1 if policy == "resend" else 0)
    unasked = metrics.registry.get_sample_value(
        "notifier_sms_in_doubt_unasked_total", {"policy": policy}
    )
    assert unasked == 1  # counted: it may have arrived twice (resend) or free (fail)


async def test_a_free_sms_that_could_not_be_sent_costs_the_house_nothing(
    pool: asyncpg.Pool,
) -> None:
    clock = MovableClock(T0)
    async with pool.acquire() as conn, conn.transaction():
        nid = await queue_house_sms(
            conn, parent_id="par", pupil_id=None, phone="+77011234567", kind="verification",
            body="Код подтверждения: 123456.", now=clock.now(),
        )  # fmt: skip
    await _dispatcher(pool, ScriptedProvider("rejected"), clock).dispatch_once()
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT status FROM notifications WHERE id = $1", nid) == "failed"
        )
        house = await account(conn, "house", "", "KZT")
        revenue = await account(conn, "sms_revenue", "", "KZT")
        assert (await account_balance(conn, house), await account_balance(conn, revenue)) == (0, 0)
        await assert_ledger_invariants(conn)
        kinds = await conn.fetch("SELECT kind FROM ledger_transactions ORDER BY id")
        assert [k["kind"] for k in kinds] == ["house_sms", "house_sms_reversal"]
