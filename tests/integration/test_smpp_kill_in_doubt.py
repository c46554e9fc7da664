"""The service killed while an SMS is in doubt at the SMSC (it took the SMS, its answer never
came): after the restart the SMS is re-sent under IN_DOUBT_POLICY=resend - to the SMSC, the
route's first provider, as any SMS - and the parent is charged once; the receipt of the copy
nobody recorded is kept, the other one decides the SMS."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
from pydantic import SecretStr

from notifier.settings import Settings
from tests.fakes.mobizon import FakeMobizon
from tests.fakes.smsc_peer import SmscPeer
from tests.integration.test_in_doubt_restart import PRICE, T0, _queue_one, _wallet, running
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)


async def test_a_kill_while_the_smsc_has_the_sms_unanswered_charges_once(
    settings: Settings, pool: asyncpg.Pool, smsc_peer: SmscPeer, mobizon: FakeMobizon
) -> None:
    settings = settings.model_copy(update={
        "sms_routes": {"+996": ["smpp", "mobizon"], "*": ["dev"]},
        "smpp_host": "127.0.0.1", "smpp_port": smsc_peer.port, "smpp_system_id": "school",
        "smpp_password": SecretStr("secret"), "smpp_submit_timeout_seconds": 30.0,
        "mobizon_api_key": SecretStr(mobizon.api_key), "mobizon_base_url": mobizon.url,
    })  # fmt: skip
    clock = MovableClock(T0)
    nid = await _queue_one(pool, clock)
    smsc_peer.script, smsc_peer.receipts = ["lost"], "DELIVRD"
    async with running(settings, pool, clock) as dispatcher:
        sending = asyncio.create_task(dispatcher.dispatch_once())

        async def taken() -> bool:
            return len(smsc_peer.submitted) == 1

        assert await wait_for(taken, 5)
        sending.cancel()  # killed: nothing settled, the row stays leased to the dead instance
        await asyncio.gather(sending, return_exceptions=True)
    leased = "SELECT lease_owner FROM outbox_queue WHERE notification_id = $1"
    assert await pool.fetchval(leased, nid) is not None  # still being sent, as far as we know

    async with running(settings, pool, clock) as dispatcher:  # the restarted service
        clock.advance(timedelta(minutes=1))  # the dead instance's lease has run out
        assert await dispatcher.reclaim() == 1
        await dispatcher.dispatch_once()  # SMPP cannot be asked: re-sent (policy)

        async def delivered() -> bool:
            status = "SELECT delivery_status FROM notifications WHERE id = $1"
            return await pool.fetchval(status, nid) == "delivered"

        assert await wait_for(delivered, 5)
    row = await pool.fetchrow("SELECT status, provider FROM notifications WHERE id = $1", nid)
    assert row is not None
    assert (row["status"], row["provider"]) == ("sent", "smpp")
    assert len(smsc_peer.submitted) == 2  # twice at the SMSC, as `resend` allows; never Mobizon
    assert mobizon.messages == {}
    assert await _wallet(pool) == (10_00 - PRICE, 0)  # charged once
    kept = await pool.fetchval("SELECT count(*) FROM early_reports")
    assert kept == 1  # the lost copy's receipt: about no recorded SMS, kept, purged later
