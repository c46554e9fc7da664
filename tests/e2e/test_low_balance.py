"""A parent whose balance runs low is told once per crossing, and the house pays for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from billing.errors import InsufficientFunds
from billing.holds import capture_hold, place_hold
from billing.ledger import account, account_balance, credit_wallet, wallet_balance
from notifier.app import create_app
from notifier.outbox.house import queue_house_sms
from notifier.outbox.lowbalance import LowBalancePolicy, check_low_balance, low_balance_since
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.support import homework_assigned, received_sms, wait_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SMS = LowBalancePolicy({"KZT": 200_00, "KGS": 30_00}, "sms")
FLAG = LowBalancePolicy({"KZT": 200_00, "KGS": 30_00}, "flag")


async def _parent(conn: asyncpg.Connection, parent: str = "par", children: int = 1) -> None:
    await conn.execute(
        "INSERT INTO schools VALUES ('s', 'S', 'KZ'); INSERT INTO classes VALUES ('c', 's', '5А')"
    )
    for n in range(children):
        await conn.execute(
            "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
            " VALUES ($1, 's', 'c', 'Дана', 'ru', 'Asia/Almaty', now())",
            f"pup-{n}",
        )
        await conn.execute(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) VALUES ($2, $1, '+77011234567', '{homework,weekly_grades}',"
            " 'kk', now())",
            f"pup-{n}",
            parent,
        )


async def _top_up(conn: asyncpg.Connection, amount: int, ref: str) -> None:
    async with conn.transaction():
        await credit_wallet(conn, "par", amount, "KZT", source=("gateway_clearing", "stripe"),
                            kind="top_up", reference=ref)  # fmt: skip


async def _charge(
    conn: asyncpg.Connection, amount: int, ref: str, policy: LowBalancePolicy
) -> bool:
    """What the dispatcher does: capture the SMS's hold, then check, in one transaction."""
    async with conn.transaction():
        try:
            hold = await place_hold(
                conn, "par", amount, reference=ref, expires_at=NOW + timedelta(1)
            )
        except InsufficientFunds:
            return await check_low_balance(conn, "par", NOW, policy)  # a skipped charge
        await capture_hold(conn, hold.id)
        return await check_low_balance(conn, "par", NOW, policy)


async def _notices(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, phone, body, price, hold_id, status FROM notifications"
        " WHERE kind = 'low_balance' ORDER BY id"
    )


async def test_a_notice_goes_out_once_per_crossing_and_the_house_pays(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _parent(conn)
        await _top_up(conn, 260_00, "pi_1")
        assert not await _charge(conn, 40_00, "sms-1", SMS)  # 220.00: still above 200.00
        assert await _charge(conn, 40_00, "sms-2", SMS)  # 180.00: crossed, told
        assert not await _charge(conn, 40_00, "sms-3", SMS)  # 140.00: already told
        assert len(await _notices(conn)) == 1
        await _top_up(conn, 200_00, "pi_2")  # 340.00: back above
        assert not await _charge(conn, 40_00, "sms-4", SMS)  # 300.00
        assert await _charge(conn, 120_00, "sms-5", SMS)  # 180.00: crossed again
        notices = await _notices(conn)
        assert len(notices) == 2
        wallet = await wallet_balance(conn, "par")
        assert wallet is not None
        assert wallet.posted == 460_00 - 280_00  # the notices cost the parent nothing
        house = await account_balance(conn, await account(conn, "house", "", "KZT"))
        assert house == sum(n["price"] for n in notices) > 0
        await assert_ledger_invariants(conn)
    first = notices[0]
    assert (first["phone"], first["hold_id"], first["status"]) == ("+77011234567", None, "queued")
    assert "180.00 KZT" in first["body"]
    assert first["body"].startswith("SMS балансы аз қалды")  # the subscription's language


async def test_a_top_up_that_was_spent_again_before_the_next_check_still_resets(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await _parent(conn)
        await _top_up(conn, 100_00, "pi_1")
        assert await _charge(conn, 20_00, "sms-1", SMS)
        await _top_up(conn, 500_00, "pi_2")  # 580.00, nobody checked...
        async with conn.transaction():  # ...and spent without a check (say, a manual fix)
            hold = await place_hold(conn, "par", 500_00, reference="big", expires_at=NOW)
            await capture_hold(conn, hold.id)
        assert await _charge(conn, 20_00, "sms-2", SMS)  # 60.00: a new crossing


async def test_a_skipped_charge_also_tells_the_parent(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _parent(conn)
        await _top_up(conn, 10_00, "pi_1")
        assert await _charge(conn, 40_00, "sms-1", SMS)
        assert await conn.fetchval("SELECT count(*) FROM ledger_holds") == 0
        assert len(await _notices(conn)) == 1


async def test_a_notice_to_a_kyrgyz_phone_is_paid_like_every_house_sms_to_it(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await _parent(conn)  # a tenge wallet...
        await conn.execute("UPDATE subscriptions SET phone = '+996555123456'")  # ...a KG phone
        await _top_up(conn, 10_00, "pi_1")
        assert await _charge(conn, 40_00, "sms-1", SMS)
        [notice] = await conn.fetch(
            "SELECT price, currency FROM notifications WHERE kind = 'low_balance'"
        )
        async with conn.transaction():  # a verification code to the same phone
            code = await queue_house_sms(conn, parent_id="par", pupil_id=None,
                                         phone="+996555123456", kind="verification",
                                         body="Код: 123456", now=NOW)  # fmt: skip
        same = await conn.fetchrow("SELECT price, currency FROM notifications WHERE id = $1", code)
        assert notice["currency"] == same["currency"] == "KGS"  # one rule: the phone's country
        house = await account_balance(conn, await account(conn, "house", "", "KGS"))
        assert house == notice["price"] + same["price"]
        await assert_ledger_invariants(conn)


async def test_the_cost_of_the_next_weekly_digest_raises_the_threshold(pool: asyncpg.Pool) -> None:
    low = LowBalancePolicy({"KZT": 0}, "sms")
    async with pool.acquire() as conn:
        # A typical digest (notifier/digest/estimate.py) is 3 parts: 3 x 3 x 20.00 = 180.00
        await _parent(conn, children=3)
        await _top_up(conn, 220_00, "pi_1")
        assert not await _charge(conn, 40_00, "sms-1", low)  # 180.00 still covers the digest
        assert await _charge(conn, 20_00, "sms-2", low)  # 160.00 does not


async def test_in_flag_mode_only_the_portal_flag_is_set(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _parent(conn)
        await _top_up(conn, 210_00, "pi_1")
        assert await low_balance_since(conn, "par") is None
        assert await _charge(conn, 20_00, "sms-1", FLAG)
        assert await low_balance_since(conn, "par") == NOW
        assert await _notices(conn) == []
        paid_by_house = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id"
            " WHERE a.kind = 'house'"
        )
        assert paid_by_house == 0  # no notice SMS, so nothing paid for one
        await _top_up(conn, 100_00, "pi_2")
        assert await low_balance_since(conn, "par") is None  # topped up: not shown any more
        assert not await _charge(conn, 20_00, "sms-2", FLAG)  # 270.00: above, no flag
        assert await low_balance_since(conn, "par") is None
        assert await _charge(conn, 80_00, "sms-3", FLAG)  # 190.00: a new crossing
        assert await low_balance_since(conn, "par") == NOW


async def test_a_parent_without_a_wallet_is_not_told_anything(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _parent(conn)
        async with conn.transaction():
            assert not await check_low_balance(conn, "par", NOW, SMS)


async def test_the_running_service_delivers_the_notice_free_of_charge(service: Service) -> None:
    conn = await asyncpg.connect(service.settings.database_url)
    try:
        await _parent(conn)
        await _top_up(conn, 50_00, "pi_1")
        assert await _charge(conn, 20_00, "sms-1", SMS)
        outbox = service.settings.sms_dev_outbox

        async def delivered() -> bool:
            return len(received_sms(outbox)) == 1

        assert await wait_for(delivered, 20), "the notice was not sent"
        [sms] = received_sms(outbox)
        assert sms["to"] == "+77011234567"
        assert "30.00 KZT" in str(sms["text"])
        assert (await service.wallet("par"))["posted"] == 30_00
        await assert_ledger_invariants(conn)
    finally:
        await conn.close()


@pytest.fixture
async def noticing(settings: Settings) -> AsyncIterator[Service]:
    """The running service, configured to send low-balance notices by SMS below 200.00 KZT."""
    over = {"low_balance_notice": "sms", "low_balance_threshold_kzt": 200_00}
    noticing = settings.model_copy(update=over)
    async with TestClient(TestServer(create_app(noticing), host="127.0.0.1")) as client:
        yield Service(client, noticing)


async def _homework_to(service: Service, parent: str, pupil: str, credit: int) -> None:
    await service.enrol_with_parent(pupil, parent)
    await service.wait_linked(parent, pupil)
    await service.subscribe(parent_id=parent, pupil_id=pupil, phone="8 701 123 45 67",
                            types=["homework"], language="ru")  # fmt: skip
    await service.credit(parent, credit)
    await service.publish("diary.homework", "c-5a", homework_assigned(text="Упр. 12"))


async def _received(service: Service, n: int) -> list[dict[str, Any]]:
    outbox = service.settings.sms_dev_outbox

    async def arrived() -> bool:
        return len(received_sms(outbox)) >= n

    assert await wait_for(arrived, 20), f"expected {n} SMS, got {received_sms(outbox)}"
    return received_sms(outbox)


@pytest.mark.kafka
async def test_a_homework_sms_that_brings_the_balance_low_brings_a_notice(
    noticing: Service,
) -> None:
    await _homework_to(noticing, "par-h", "pup-h", 60_00)
    homework, notice = await _received(noticing, 2)
    assert str(notice["text"]).startswith("Баланс SMS заканчивается")
    assert (await noticing.wallet("par-h"))["posted"] == 60_00 - int(homework["price"])


@pytest.mark.kafka
async def test_a_homework_sms_skipped_for_want_of_money_brings_a_notice(
    noticing: Service,
) -> None:
    await _homework_to(noticing, "par-s", "pup-s", 10_00)  # less than one part
    [notice] = await _received(noticing, 1)
    assert "10.00 KZT" in str(notice["text"])
    assert (await noticing.wallet("par-s"))["posted"] == 10_00
