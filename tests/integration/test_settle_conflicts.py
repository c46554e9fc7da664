"""A deadlock cannot stop the dispatcher: its settle takes outbox rows, then all the batch's
wallets at once, in the documented order, and a settle PostgreSQL picks to give way is run
again where it failed. Every SMS ends settled and charged once; nothing is put in doubt."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from billing.holds import place_hold
from billing.ledger import credit_wallet
from gateways.sms import OutgoingSms, SendResult, SmsRejected
from notifier.metrics import Metrics
from notifier.outbox.dispatcher import DispatchConfig, Dispatcher
from notifier.supervise import Supervisor
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.support import QUEUE_QUEUED, MovableClock, wait_for

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARENTS = ["par-1", "par-2"]  # wallets opened in this order: par-1's has the lower id


class GatedProvider:
    """Accepts every SMS once the gate opens, refusing those to `refused_phone`."""

    name = "gated"

    def __init__(self, refused_phone: str | None = None) -> None:
        self.gate = asyncio.Event()
        self.refused_phone = refused_phone

    async def send(self, sms: OutgoingSms) -> SendResult:
        await self.gate.wait()
        if sms.phone == self.refused_phone:
            raise SmsRejected("unknown subscriber", provider=self.name, status="400")
        return SendResult(provider_message_id=f"m-{sms.reference}")

    async def lookup(self, reference: str) -> SendResult | None:
        raise AssertionError("nothing may be in doubt")

    async def close(self) -> None:
        return None


async def _queue(pool: asyncpg.Pool, clock: MovableClock) -> None:
    """Two SMS for each parent, each held on the parent's wallet."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO schools VALUES ('s', 'S', 'KZ')")
        await conn.execute("INSERT INTO classes VALUES ('c', 's', '5А')")
        for i, parent in enumerate(PARENTS):
            await conn.execute(
                "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone,"
                " as_of) VALUES ($1, 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now())", f"p-{i}",
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)"
                " VALUES ($2, $1, $3, '{homework}', 'ru')", f"p-{i}", parent, f"+7701123456{i}",
            )  # fmt: skip
            await credit_wallet(conn, parent, 100_00, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference=f"t-{parent}")  # fmt: skip
            for _ in range(2):
                nid = await conn.fetchval(
                    "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id,"
                    " kind, phone, body, encoding, parts, price, currency, status,"
                    " next_attempt_at) SELECT $1, id, parent_id, pupil_id, 'homework', phone,"
                    " 'ДЗ', 'UCS-2', 1, 20_00, 'KZT', 'queued', $3 FROM subscriptions"
                    " WHERE parent_id = $2 RETURNING id",
                    uuid.uuid4(), parent, clock.now(),
                )  # fmt: skip
                hold = await place_hold(conn, parent, 20_00, reference=f"notification:{nid}",
                                        expires_at=clock.now() + timedelta(hours=1))  # fmt: skip
                await conn.execute("UPDATE notifications SET hold_id = $2 WHERE id = $1", nid,
                                   hold.id)  # fmt: skip
                await conn.execute(QUEUE_QUEUED)


@pytest.fixture
async def other(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """Another transaction, which never gives way in a deadlock (it waits 60 s before it
    looks for one; the dispatcher's connections look after PostgreSQL's default 1 s)."""
    async with pool.acquire() as conn:
        await conn.execute("SET deadlock_timeout = '60s'; BEGIN")
        try:
            yield conn
        finally:
            await conn.execute("ROLLBACK; RESET deadlock_timeout")


async def _lock_wallet(conn: asyncpg.Connection, parent: str) -> None:
    await conn.execute(
        "SELECT 1 FROM ledger_accounts WHERE kind = 'wallet' AND owner = $1"
        " FOR NO KEY UPDATE",  # as every wallet lock of the service (lock_wallets)
        parent,
    )


async def _settle_waits_for_a_lock(pool: asyncpg.Pool, other: asyncpg.Connection) -> None:
    async def waiting() -> bool:
        return bool(await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database() AND pid <> $1", other.get_server_pid(),
        ))  # fmt: skip

    assert await wait_for(waiting, 20), "the settle never waited for the other transaction"


async def _outcome(pool: asyncpg.Pool) -> list[tuple[str, str, bool, str]]:
    async with pool.acquire() as conn:
        await assert_ledger_invariants(conn)
        rows = await conn.fetch(
            "SELECT n.parent_id, n.status, n.in_doubt, h.status AS hold FROM notifications n"
            " JOIN ledger_holds h ON h.id = n.hold_id ORDER BY n.id"
        )
    return [tuple(r.values()) for r in rows]


async def test_a_settle_chosen_to_break_a_deadlock_is_run_again_and_stops_nothing(
    pool: asyncpg.Pool, other: asyncpg.Connection
) -> None:
    clock, metrics, provider = MovableClock(T0), Metrics(), GatedProvider()
    await _queue(pool, clock)
    dispatcher = Dispatcher(pool=pool, provider=provider, clock=clock, metrics=metrics,
                            config=DispatchConfig(owner="a", sender="eMektep"))  # fmt: skip
    supervisor = Supervisor()
    loop = supervisor.start("dispatcher", lambda _: dispatcher.run(0.05), stale_after=60)
    await _lock_wallet(other, "par-1")  # a wallet first, then an outbox row: the wrong order
    provider.gate.set()
    await _settle_waits_for_a_lock(pool, other)
    await other.execute("SELECT 1 FROM notifications ORDER BY id LIMIT 1 FOR UPDATE")
    await other.execute("COMMIT; BEGIN")  # the settle gave way to it; let it through

    async def settled() -> bool:
        return await pool.fetchval("SELECT count(*) FROM notifications WHERE status = 'sent'") == 4

    assert await wait_for(settled, 20)
    dispatcher.stop()
    await supervisor.stop("dispatcher", 10)
    assert loop.restarts == 0, "the settle failed, and the dispatcher loop with it"
    assert metrics.registry.get_sample_value("notifier_retries_total", {"step": "settle"}) == 1
    assert await _outcome(pool) == [(p, "sent", False, "captured") for p in PARENTS for _ in "ab"]


async def test_a_settle_that_charges_and_refunds_locks_its_wallets_in_one_order(
    pool: asyncpg.Pool, other: asyncpg.Connection
) -> None:
    """par-1's SMS are refused, par-2's accepted. A settle that locked the charged wallets
    first and the refunded ones after would hold par-2's and wait for par-1's, while a
    transaction taking both in account order held par-1's and waited for par-2's."""
    clock, metrics = MovableClock(T0), Metrics()
    provider = GatedProvider(refused_phone="+77011234560")
    await _queue(pool, clock)
    dispatcher = Dispatcher(pool=pool, provider=provider, clock=clock, metrics=metrics,
                            config=DispatchConfig(owner="a", sender="eMektep"))  # fmt: skip
    batch = asyncio.create_task(dispatcher.dispatch_once())
    await _lock_wallet(other, "par-1")
    provider.gate.set()
    await _settle_waits_for_a_lock(pool, other)
    await _lock_wallet(other, "par-2")  # in account order, as enqueueing locks wallets
    await other.execute("COMMIT; BEGIN")

    assert await batch == 4
    assert metrics.registry.get_sample_value("notifier_retries_total", {"step": "settle"}) == 0
    assert (
        await _outcome(pool)
        == [("par-1", "failed", False, "released")] * 2 + [("par-2", "sent", False, "captured")] * 2
    )
