"""A burst through the service's own sending side (SMS_ROUTES smpp then Mobizon, the
dispatcher, receipts recorded in PostgreSQL) while the SMSC sends a receipt right after every
submit_sm_resp: every SMS goes to the SMSC, none spills onto Mobizon, each is charged once and
ends delivered."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from pydantic import SecretStr

from billing.holds import place_hold
from billing.ledger import credit_wallet
from notifier.settings import Settings
from tests.fakes.mobizon import FakeMobizon
from tests.fakes.smsc_peer import SmscPeer
from tests.integration.test_in_doubt_restart import T0, running
from tests.support import QUEUE_QUEUED, MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)

SMS, PRICE = 2_000, 3_00


async def _queue_burst(pool: asyncpg.Pool, clock: MovableClock) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO schools VALUES ('s', 'S', 'KG');"
            " INSERT INTO classes VALUES ('c', 's', '5А');"
            " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ('p', 's', 'c', 'Айбек', 'ky', 'Asia/Bishkek', now());"
            " INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language)"
            " VALUES ('par', 'p', '+996555123456', '{homework}', 'ky')"
        )
        await credit_wallet(conn, "par", SMS * PRICE, "KGS", source=("gateway_clearing", "t"),
                            kind="top_up", reference="t-1")  # fmt: skip
        ids = await conn.fetch(
            "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
            " phone, body, encoding, parts, price, currency, status, next_attempt_at)"
            " SELECT gen_random_uuid(), s.id, 'par', 'p', 'homework', s.phone, 'ҮТ ' || n,"
            " 'UCS-2', 1, $2, 'KGS', 'queued', $3"
            " FROM subscriptions s, generate_series(1, $1) AS n RETURNING id",
            SMS, PRICE, clock.now(),
        )  # fmt: skip
        for row in ids:
            hold = await place_hold(conn, "par", PRICE, reference=f"notification:{row['id']}",
                                    expires_at=clock.now() + timedelta(hours=24))  # fmt: skip
            await conn.execute(
                "UPDATE notifications SET hold_id = $2 WHERE id = $1", row["id"], hold.id
            )
        await conn.execute(QUEUE_QUEUED)


async def test_a_burst_with_receipts_flowing_is_sent_whole_to_the_smsc_and_charged_once(
    settings: Settings, pool: asyncpg.Pool, smsc_peer: SmscPeer, mobizon: FakeMobizon
) -> None:
    settings = settings.model_copy(update={
        "sms_routes": {"+996": ["smpp", "mobizon"], "*": ["dev"]},
        "smpp_host": "127.0.0.1", "smpp_port": smsc_peer.port, "smpp_system_id": "school",
        "smpp_password": SecretStr("secret"), "smpp_window": 100,
        "mobizon_api_key": SecretStr(mobizon.api_key), "mobizon_base_url": mobizon.url,
    })  # fmt: skip
    smsc_peer.receipts = "DELIVRD"
    clock = MovableClock(T0)
    await _queue_burst(pool, clock)
    async with running(settings, pool, clock) as dispatcher:
        while await dispatcher.dispatch_once():
            pass

        async def all_delivered() -> bool:
            found = "SELECT count(*) FROM notifications WHERE delivery_status = 'delivered'"
            return await pool.fetchval(found) == SMS

        assert await wait_for(all_delivered, 60)
    statuses = await pool.fetch(
        "SELECT status, provider, count(*) FROM notifications GROUP BY 1, 2"
    )
    assert [tuple(r) for r in statuses] == [("sent", "smpp", SMS)]
    assert mobizon.messages == {}  # nothing spilled onto the next provider
    assert (smsc_peer.binds, smsc_peer.garbled) == (1, 0)
    assert len(smsc_peer.submitted) == SMS  # each once
    wallet = await pool.fetchrow(
        "SELECT posted, held FROM ledger_accounts WHERE kind = 'wallet' AND owner = 'par'"
    )
    assert wallet is not None
    assert (wallet["posted"], wallet["held"]) == (0, 0)  # every SMS charged once, nothing held
    assert await pool.fetchval("SELECT count(*) FROM early_reports") == 0
