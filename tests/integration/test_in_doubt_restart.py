"""An SMS whose send ended in doubt at one provider stays that provider's after a restart:
it is looked up and re-sent there alone, never at the next provider of its route, and the
parent is charged once. Mobizon and Nikita are local servers following their documented
APIs; the routed provider is the service's own wiring (SMS_ROUTES), opened afresh to
restart it, so nothing is remembered in memory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp import web
from pydantic import SecretStr

from billing.holds import place_hold
from billing.ledger import credit_wallet, wallet_balance
from gateways.sms.reports import Report
from notifier import keys
from notifier.metrics import Metrics
from notifier.outbox.dispatcher import DispatchConfig, Dispatcher
from notifier.outbox.providers import sms_providers
from notifier.outbox.reports import record_report
from notifier.settings import Settings
from tests.fakes.mobizon import FakeMobizon
from tests.fakes.nikita import FakeNikita
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.support import QUEUE_QUEUED, MovableClock

pytest_plugins = ("tests.fakes.fixtures",)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PRICE = 3_00  # KGS, one part


async def _queue_one(pool: asyncpg.Pool, clock: MovableClock) -> int:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO schools VALUES ('s', 'S', 'KG');"
            " INSERT INTO classes VALUES ('c', 's', '5А');"
            " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ('p', 's', 'c', 'Айбек', 'ky', 'Asia/Bishkek', now());"
            " INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)"
            " VALUES ('par', 'p', '+996555123456', '{homework}', 'ky')"
        )
        await credit_wallet(conn, "par", 10_00, "KGS", source=("gateway_clearing", "t"),
                            kind="top_up", reference="t-1")  # fmt: skip
        nid = await conn.fetchval(
            "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
            " phone, body, encoding, parts, price, currency, status, next_attempt_at)"
            " SELECT $1, id, 'par', 'p', 'homework', phone, 'ҮТ', 'UCS-2', 1, $2, 'KGS',"
            " 'queued', $3 FROM subscriptions RETURNING id",
            uuid.uuid4(), PRICE, clock.now(),
        )  # fmt: skip
        hold = await place_hold(conn, "par", PRICE, reference=f"notification:{nid}",
                                expires_at=clock.now() + timedelta(hours=24))  # fmt: skip
        await conn.execute("UPDATE notifications SET hold_id = $2 WHERE id = $1", nid, hold.id)
        await conn.execute(QUEUE_QUEUED)
    return int(nid)


@asynccontextmanager
async def running(
    settings: Settings, pool: asyncpg.Pool, clock: MovableClock, send_timeout: float = 10.0
) -> AsyncIterator[Dispatcher]:
    """One life of the service's sending side: its routed provider and a dispatcher."""
    app = web.Application()
    app[keys.SETTINGS], app[keys.CLOCK], app[keys.POOL] = settings, clock, pool
    opened = sms_providers()(app)
    await anext(opened)
    config = DispatchConfig(owner="instance-a", sender="eMektep", in_doubt_policy="resend",
                            send_timeout=send_timeout)  # fmt: skip
    yield Dispatcher(pool=pool, provider=app[keys.SMS_PROVIDER], clock=clock,
                     metrics=Metrics(), config=config)  # fmt: skip
    with pytest.raises(StopAsyncIteration):
        await anext(opened)


def routed_over(settings: Settings, mobizon: FakeMobizon, nikita: FakeNikita,
                route: list[str]) -> Settings:  # fmt: skip
    return settings.model_copy(update={
        "sms_routes": {"+996": route, "*": ["dev"]},
        "mobizon_api_key": SecretStr(mobizon.api_key), "mobizon_base_url": mobizon.url,
        "nikita_login": nikita.login, "nikita_password": SecretStr(nikita.password),
        "nikita_base_url": nikita.url,
    })  # fmt: skip


async def _row(pool: asyncpg.Pool, nid: int) -> tuple[str, str | None, str | None]:
    row = await pool.fetchrow(
        "SELECT n.status, n.provider, q.in_doubt_provider FROM notifications n"
        " LEFT JOIN outbox_queue q ON q.notification_id = n.id WHERE n.id = $1",
        nid,
    )  # while it waits, the queue row keeps where it is in doubt
    assert row is not None
    return row["status"], row["provider"], row["in_doubt_provider"]


async def _wallet(pool: asyncpg.Pool) -> tuple[int, int]:
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)
        balance = await wallet_balance(conn, "par")
    assert balance is not None
    return balance.posted, balance.held


async def test_after_a_restart_an_sms_in_doubt_is_resent_only_where_it_may_already_be(
    settings: Settings, pool: asyncpg.Pool, mobizon: FakeMobizon, nikita: FakeNikita
) -> None:
    clock = MovableClock(T0)
    settings = routed_over(settings, mobizon, nikita, ["nikita", "mobizon"])
    nid = await _queue_one(pool, clock)
    nikita.mode, mobizon.mode = "unavailable", "accept_then_drop"
    async with running(settings, pool, clock) as dispatcher:
        await dispatcher.dispatch_once()  # Nikita refuses; Mobizon takes it, the answer is lost
    assert await _row(pool, nid) == ("queued", None, "mobizon")
    assert await _wallet(pool) == (10_00, PRICE)  # held, not charged

    nikita.mode, mobizon.mode = "normal", "unavailable"
    async with running(settings, pool, clock) as dispatcher:
        clock.advance(timedelta(seconds=5))
        await dispatcher.dispatch_once()  # Mobizon is down: the SMS waits, Nikita is not tried
        assert await _row(pool, nid) == ("queued", None, "mobizon")
        mobizon.mode = "normal"
        clock.advance(timedelta(minutes=5))
        await dispatcher.dispatch_once()  # Mobizon cannot be asked: re-sent there (policy)
    assert await _row(pool, nid) == ("sent", "mobizon", None)
    assert nikita.messages == {}
    first, resent = sorted(mobizon.messages)
    assert await _wallet(pool) == (10_00 - PRICE, 0)

    for message_id, outcome in ((first, "unknown_message"), (resent, "recorded")):
        report = Report("mobizon", str(message_id), "delivered", clock.now())
        assert await record_report(pool, report, policy="refund") == outcome
    assert await _wallet(pool) == (10_00 - PRICE, 0)  # a late success never charges again


async def test_after_a_restart_an_sms_in_doubt_is_looked_up_only_where_it_went(
    settings: Settings, pool: asyncpg.Pool, mobizon: FakeMobizon, nikita: FakeNikita
) -> None:
    clock = MovableClock(T0)
    settings = routed_over(settings, mobizon, nikita, ["mobizon", "nikita"])
    nid = await _queue_one(pool, clock)
    mobizon.mode, nikita.mode = "throttled", "accept_then_drop"
    async with running(settings, pool, clock) as dispatcher:
        await dispatcher.dispatch_once()  # Mobizon refuses; Nikita takes it, the answer is lost
    assert await _row(pool, nid) == ("queued", None, "nikita")

    mobizon.mode, nikita.mode = "normal", "normal"
    async with running(settings, pool, clock) as dispatcher:
        clock.advance(timedelta(seconds=5))
        await dispatcher.dispatch_once()
    assert await _row(pool, nid) == ("sent", "nikita", None)
    assert (mobizon.requests, list(nikita.messages)) == (1, [f"n{nid}"])  # the one refusal
    assert await _wallet(pool) == (10_00 - PRICE, 0)


async def test_a_send_the_dispatcher_stopped_waiting_for_stays_with_its_provider(
    settings: Settings, pool: asyncpg.Pool, mobizon: FakeMobizon, nikita: FakeNikita
) -> None:
    clock = MovableClock(T0)
    settings = routed_over(settings, mobizon, nikita, ["mobizon", "nikita"])
    nid = await _queue_one(pool, clock)
    mobizon.mode, nikita.mode = "throttled", "silent"  # Nikita takes it and never answers
    async with running(settings, pool, clock, send_timeout=0.5) as dispatcher:
        await dispatcher.dispatch_once()
    assert await _row(pool, nid) == ("queued", None, "nikita")

    mobizon.mode, nikita.mode = "normal", "normal"
    async with running(settings, pool, clock) as dispatcher:
        clock.advance(timedelta(seconds=5))
        await dispatcher.dispatch_once()  # Nikita never got it: sent there, not to Mobizon
    assert await _row(pool, nid) == ("sent", "nikita", None)
    assert (mobizon.messages, list(nikita.messages)) == ({}, [f"n{nid}"])
    assert await _wallet(pool) == (10_00 - PRICE, 0)


async def test_an_sms_in_doubt_at_a_provider_since_removed_fails_uncharged(
    settings: Settings, pool: asyncpg.Pool, mobizon: FakeMobizon, nikita: FakeNikita
) -> None:
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    mobizon.mode = "accept_then_drop"
    routed = routed_over(settings, mobizon, nikita, ["mobizon", "nikita"])
    async with running(routed, pool, clock) as dispatcher:
        await dispatcher.dispatch_once()
    assert await _row(pool, nid) == ("queued", None, "mobizon")

    without_mobizon = routed.model_copy(
        update={"mobizon_api_key": None, "sms_routes": {"+996": ["nikita"], "*": ["dev"]}}
    )
    async with running(without_mobizon, pool, clock) as dispatcher:
        clock.advance(timedelta(seconds=5))
        await dispatcher.dispatch_once()  # nobody may send what Mobizon may have
    assert await _row(pool, nid) == ("failed", None, None)
    assert nikita.messages == {}
    assert await _wallet(pool) == (10_00, 0)
