"""An SMS that waited in the queue past its hold's expiry (`HOLD_TTL_HOURS`: e.g. a provider
down all day) is failed, not sent late: its hold is released and the parent keeps the money;
the ops console counts the failure when it happened."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from billing.ledger import wallet_balance
from notifier import keys
from notifier.app import create_app
from notifier.outbox.enqueue import enqueue_paid
from notifier.outbox.expiry import expire_stale_notifications
from notifier.settings import Settings
from tests.integration.money_support import ONE_PART, T0, roster, sms, top_up
from tests.support import MovableClock


async def test_an_sms_whose_hold_expired_in_the_queue_fails_and_gives_the_money_back(
    settings: Settings,
) -> None:
    clock = MovableClock(T0)
    app = create_app(settings, clock=clock, consume=False, dispatch=False, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        pool = client.app[keys.POOL]
        async with pool.acquire() as conn, conn.transaction():
            subs = await roster(conn, ["par-1"])
            await top_up(conn, "par-1", 100_00)
            queued = await enqueue_paid(conn, [sms("par-1", subs["par-1"], ONE_PART)],
                                        now=T0, hold_ttl=timedelta(hours=24))  # fmt: skip
        assert queued.queued == 1

        clock.advance(timedelta(hours=23))
        assert await expire_stale_notifications(client.app) == 0
        clock.advance(timedelta(hours=2))
        assert await expire_stale_notifications(client.app) == 1

        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT status, last_error, failed_at FROM notifications")
            balance = await wallet_balance(conn, "par-1")
    assert (row["status"], row["last_error"], row["failed_at"]) == (
        "failed", "expired", T0 + timedelta(hours=25),
    )  # fmt: skip
    assert balance is not None
    assert (balance.available, balance.held) == (100_00, 0)
