"""A reply of STOP on real PostgreSQL: every paid SMS still waiting for that phone is cancelled
and its hold released, never charged, and the history says why in the parent's language;
an SMS being sent or possibly at an operator already is left to finish, as are free SMS and
other phones' SMS. Switching a child off on the page cancels that subscription's the same way."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from billing.ledger import wallet_balance
from gateways.sms.incoming import Incoming
from notifier.manager.consent import Origin
from notifier.manager.message_reasons import reasons
from notifier.manager.stop import take_reply
from notifier.manager.subscriptions import Wanted, save_subscription, switch_off
from notifier.outbox.enqueue import PendingSms, enqueue_paid
from notifier.outbox.house import queue_house_sms
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.integration.money_support import ONE_PART, T0, TTL, top_up

PHONE, OTHER_PHONE = "+77011234567", "+77059998877"
TOMORROW = T0 + timedelta(hours=20)  # waiting for the school's window


async def _roster(conn: asyncpg.Connection) -> dict[str, int]:
    """Two parents share PHONE (one switched off on the page already); a third has another."""
    await conn.execute(
        "INSERT INTO schools VALUES ('s', 'S', 'KZ'); INSERT INTO classes VALUES ('c', 's', '5А');"
        " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ('pu-a', 's', 'c', 'Дана', 'kk', 'Asia/Almaty', now()),"
        " ('pu-b', 's', 'c', 'Бек', 'kk', 'Asia/Almaty', now()),"
        " ('pu-c', 's', 'c', 'Аян', 'ru', 'Asia/Almaty', now())"
    )
    subs = {}
    for parent, pupil, phone, active in (("a", "pu-a", PHONE, True), ("b", "pu-b", PHONE, False),
                                         ("c", "pu-c", OTHER_PHONE, True)):  # fmt: skip
        subs[parent] = await conn.fetchval(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, active,"
            " phone_verified_at) VALUES ($1, $2, $3, '{homework}', 'kk', $4, now()) RETURNING id",
            parent, pupil, phone, active,
        )  # fmt: skip
        await top_up(conn, parent, 100_00)
    return subs


def _homework(parent: str, sub: int, phone: str = PHONE) -> PendingSms:
    return PendingSms(
        event_id=uuid.uuid4(), kind="homework", dedupe_key=None,
        subscription_id=sub, parent_id=parent, pupil_id=f"pu-{parent}", phone=phone,
        country="KZ", body=ONE_PART, not_before=TOMORROW,
    )  # fmt: skip


async def _queue(pool: asyncpg.Pool) -> dict[str, int]:
    """Per case, the id of its SMS: each paid one held 20.00 KZT."""
    async with pool.acquire() as conn, conn.transaction():
        subs = await _roster(conn)
        wanted = [_homework("a", subs["a"]) for _ in range(3)]
        wanted += [_homework("b", subs["b"]), _homework("c", subs["c"], OTHER_PHONE)]
        await enqueue_paid(conn, wanted, now=T0, hold_ttl=TTL)
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM notifications ORDER BY id")]
        await conn.execute(
            "UPDATE outbox_queue SET in_doubt = true WHERE notification_id = $1", ids[1]
        )
        await conn.execute(  # a dispatcher is handing it to a provider now
            "UPDATE outbox_queue SET lease_owner = 'other-instance' WHERE notification_id = $1",
            ids[2],
        )
        code = await queue_house_sms(conn, parent_id="a", pupil_id=None, phone=PHONE,
                                     kind="verification", body="Растау коды: 123456.",
                                     now=T0)  # fmt: skip
    names = ("waiting", "in_doubt", "sending", "switched_off_before", "other_phone")
    return dict(zip(names, ids, strict=True)) | {"free_code": code}


async def _statuses(pool: asyncpg.Pool) -> dict[int, str]:
    """Each SMS's status as the history shows it (`sending` while a dispatcher holds it)."""
    rows = await pool.fetch(
        "SELECT n.id, CASE WHEN q.lease_owner IS NOT NULL THEN 'sending' ELSE n.status END"
        " AS status FROM notifications n LEFT JOIN outbox_queue q ON q.notification_id = n.id"
    )
    return {r["id"]: r["status"] for r in rows}


async def _stop(pool: asyncpg.Pool, text: str = "ТОҚТАТ", message_id: str = "mo-1") -> str:
    async with pool.acquire() as conn:
        return await take_reply(conn, Incoming("mobizon", "8 701 123 45 67", text, T0, message_id))


async def test_waiting_paid_sms_are_cancelled_and_never_charged(pool: asyncpg.Pool) -> None:
    ids = await _queue(pool)
    assert await _stop(pool) == "stopped"
    status = await _statuses(pool)
    assert {case: status[i] for case, i in ids.items()} == {
        "waiting": "cancelled",
        "switched_off_before": "cancelled",
        "in_doubt": "queued",  # may be at the operator already: settled as usual
        "sending": "sending",
        "other_phone": "queued",
        "free_code": "queued",  # free: no hold, nothing to release
    }
    async with pool.acquire() as conn:
        held = {p: await wallet_balance(conn, p) for p in "abc"}
        # a: one of three released, two still held (in doubt, sending); b: all back; c: held
        assert {p: (w.held, w.available) for p, w in held.items() if w} == {
            "a": (40_00, 60_00),
            "b": (0, 100_00),
            "c": (20_00, 80_00),
        }
        charged = await conn.fetchval(
            "SELECT count(*) FROM ledger_transactions WHERE kind = 'sms_charge'"
        )
        assert charged == 0
        await assert_ledger_invariants(conn)


async def test_the_history_says_why_in_the_parent_s_language(pool: asyncpg.Pool) -> None:
    ids = await _queue(pool)
    await _stop(pool)
    cancelled = [ids["waiting"], ids["switched_off_before"]]
    async with pool.acquire() as conn:
        said = {
            language: {r.text for r in (await reasons(conn, cancelled, now=T0,
                       grace=timedelta(minutes=10), language=language)).values()}
            for language in ("ru", "kk", "ky")
        }  # fmt: skip
    assert said == {
        "ru": {"Не отправлено: вы ответили СТОП. Деньги не списаны"},
        "kk": {"Жіберілмеді: сіз ТОҚТАТ деп жауап бердіңіз. Ақша алынбады"},
        "ky": {"Жөнөтүлгөн жок: сиз ТОКТОТ деп жооп бердиңиз. Акча алынган жок"},
    }


async def test_a_stop_when_everything_was_switched_off_still_cancels_what_waits(
    pool: asyncpg.Pool,
) -> None:
    ids = await _queue(pool)
    await pool.execute("UPDATE subscriptions SET active = false")
    assert await _stop(pool) == "nothing_to_stop"  # no confirmation: nothing was on
    status = await pool.fetchval("SELECT status FROM notifications WHERE id = $1", ids["waiting"])
    assert status == "cancelled"
    kinds = await pool.fetch("SELECT kind FROM notifications WHERE kind = 'stop_confirmation'")
    assert kinds == []


async def _switch_off(pool: asyncpg.Pool, drop: tuple[str, ...]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await switch_off(conn, "a", "pu-a", drop=drop, action="unsubscribe",
                         origin=Origin("a", None, None), now=T0)  # fmt: skip


async def test_switching_a_child_off_on_the_page_cancels_what_waits(pool: asyncpg.Pool) -> None:
    ids = await _queue(pool)
    await _switch_off(pool, ("homework",))  # its only type: switched off
    status = await _statuses(pool)
    assert [status[ids[case]] for case in ("waiting", "in_doubt", "sending", "other_phone")] == [
        "cancelled", "queued", "sending", "queued",
    ]  # fmt: skip
    async with pool.acquire() as conn:
        wallet = await wallet_balance(conn, "a")
        assert wallet is not None
        assert (wallet.held, wallet.available) == (40_00, 60_00)
        said = await reasons(conn, [ids["waiting"]], now=T0, grace=timedelta(minutes=10),
                             language="ky")  # fmt: skip
        assert said[ids["waiting"]].text == (
            "Жөнөтүлгөн жок: сиз билдирүүлөрдү өчүрдүңүз. Акча алынган жок"
        )
        await assert_ledger_invariants(conn)


async def test_dropping_one_type_of_several_cancels_only_that_type_s_waiting_sms(
    pool: asyncpg.Pool,
) -> None:
    ids = await _queue(pool)
    await pool.execute("UPDATE subscriptions SET types = '{homework,announcements}'")
    await _switch_off(pool, ("announcements",))  # still on for homework: its SMS still go
    status = await pool.fetchval("SELECT status FROM notifications WHERE id = $1", ids["waiting"])
    assert status == "queued"
    await _switch_off(pool, ("homework",))  # still on for announcements: homework's SMS cancelled
    status = await pool.fetchval("SELECT status FROM notifications WHERE id = $1", ids["waiting"])
    assert status == "cancelled"
    async with pool.acquire() as conn:
        wallet = await wallet_balance(conn, "a")
        assert wallet is not None
        assert (wallet.held, wallet.available) == (40_00, 60_00)  # in doubt and sending: held
        await assert_ledger_invariants(conn)


async def test_unticking_a_type_on_the_page_cancels_its_waiting_sms(pool: asyncpg.Pool) -> None:
    ids = await _queue(pool)
    await pool.execute(
        "UPDATE subscriptions SET types = '{homework,announcements}' WHERE parent_id = 'a'"
    )
    await pool.execute("INSERT INTO parent_links VALUES ('a', 'pu-a', now())")
    async with pool.acquire() as conn, conn.transaction():
        await save_subscription(
            conn, "a", "pu-a", Wanted(phone=PHONE, types=frozenset({"announcements"}),
                                      language="kk", latin=False, grade_alerts_per_day=3),
            Origin("a", None, None), T0,
        )  # fmt: skip
    status = await pool.fetchval("SELECT status FROM notifications WHERE id = $1", ids["waiting"])
    assert status == "cancelled"
