"""The monthly cap as a parent uses it through /api/v1: set it (integer minor units only),
see this month's spend and forecast, find a capped SMS in the history uncharged, get one free
notice a month on the phone, raise the cap and SMS go again."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from billing.ledger import credit_wallet
from notifier.outbox.enqueue import PendingSms, enqueue_paid
from tests.e2e.api_support import KZ_PHONE, Api
from tests.support import wait_for

pytest_plugins = ("tests.e2e.api_fixtures",)

HOMEWORK = "Аида: ДЗ «Математика» до 25.11: стр. 45"  # one UCS-2 part: 20.00 KZT
NOW = datetime.fromisoformat("2026-11-23T09:00:00+05:00")


async def _db(api: Api) -> asyncpg.Connection:
    return await asyncpg.connect(api.settings.database_url)


async def _verified_with_money(api: Api, amount: int = 1000_00) -> None:
    api.clock.at = NOW
    await api.subscribe(types=["homework", "weekly_grades"])
    await api.verify()
    conn = await _db(api)
    try:
        async with conn.transaction():
            await credit_wallet(conn, "par-1", amount, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference=f"t-{uuid.uuid4()}")  # fmt: skip
    finally:
        await conn.close()


async def _homework(api: Api, n: int) -> None:
    """n homework SMS queued for par-1, as the homework handler queues them."""
    conn = await _db(api)
    try:
        sub = await conn.fetchval("SELECT id FROM subscriptions WHERE pupil_id = 'p-aida'")
        items = [
            PendingSms(event_id=uuid.uuid4(), kind="homework", dedupe_key=None,
                       subscription_id=sub, parent_id="par-1", pupil_id="p-aida",
                       phone=KZ_PHONE, country="KZ", body=HOMEWORK)
            for _ in range(n)
        ]  # fmt: skip
        async with conn.transaction():
            await enqueue_paid(conn, items, now=api.clock.now(),
                               hold_ttl=timedelta(hours=24))  # fmt: skip
    finally:
        await conn.close()


async def _cap(api: Api, value: Any) -> tuple[int, dict[str, Any]]:
    r = await api.call("PUT", "/api/v1/spending/cap", json={"monthly_cap": value})
    return r.status, await r.json()


async def test_the_cap_takes_integer_minor_units_only(api: Api) -> None:
    for wrong in ("500", 500.5, 50000.0, -1, True):
        status, body = await _cap(api, wrong)
        assert status == 422, (wrong, body)
    r = await api.call("PUT", "/api/v1/spending/cap", json={})
    assert r.status == 422
    status, body = await _cap(api, 500_00)
    assert status == 200
    assert (body["monthly_cap"], body["monthly_cap_display"], body["currency"]) == (
        500_00, "500.00 KZT", "KZT"
    )  # fmt: skip
    status, body = await _cap(api, None)
    assert (status, body["monthly_cap"], body["left"]) == (200, None, None)


async def test_a_capped_sms_is_not_charged_the_history_says_why_and_one_notice_comes(
    api: Api,
) -> None:
    await _verified_with_money(api)
    assert (await _cap(api, 40_00))[0] == 200
    await _homework(api, 3)
    await _homework(api, 2)

    history = (await (await api.call("GET", "/api/v1/messages")).json())["items"]
    homework = [(m["status"], m["cost"], m["charge"]) for m in reversed(history)
                if m["kind"] == "homework"]  # fmt: skip
    assert [(status == "skipped_cap", cost, charge == "not_charged")
            for status, cost, charge in homework] == [
        (False, 20_00, False), (False, 20_00, False),
        (True, 0, True), (True, 0, True), (True, 0, True),
    ]  # fmt: skip
    balance = await (await api.call("GET", "/api/v1/balance")).json()
    assert balance["available"] == 960_00  # two SMS held or charged, three never

    async def noticed() -> bool:
        return any("Лимит SMS на месяц 40.00 KZT" in t for t in api.texts_to(KZ_PHONE))

    assert await wait_for(noticed, timeout=10)
    notices = [t for t in api.texts_to(KZ_PHONE) if t.startswith("Лимит SMS")]
    assert notices == ["Лимит SMS на месяц 40.00 KZT исчерпан, SMS не отправляются."]
    spend = await (await api.call("GET", "/api/v1/spending")).json()
    assert (spend["spent"], spend["left"], spend["cap_reached"]) == (40_00, 0, True)
    assert spend["time_zone"] == "Asia/Almaty"
    assert spend["month_start"] == "2026-10-31T19:00:00Z"  # 1 November, 00:00 in Almaty

    assert (await _cap(api, 100_00))[0] == 200  # raised: the next SMS go out again
    await _homework(api, 1)
    history = (await (await api.call("GET", "/api/v1/messages")).json())["items"]
    assert history[0]["kind"] == "homework"
    assert history[0]["status"] in ("queued", "sending", "sent")


async def test_the_forecast_counts_the_childs_subscriptions_from_the_class_rate(
    api: Api,
) -> None:
    await _verified_with_money(api)
    conn = await _db(api)
    try:
        await conn.execute(  # 8 homework for 5А in the last four weeks: 8.6 in November -> 9
            "INSERT INTO homework (id, school_id, class_id, subject, text, due_date, as_of)"
            " SELECT 'hw-' || i, 'sch-1', 'c-5a', 'Математика', 'стр. 45', '2026-11-25', $1"
            " FROM generate_series(1, 8) i",
            NOW,
        )
    finally:
        await conn.close()
    body = await (await api.call("GET", "/api/v1/spending")).json()
    lines = {item["type"]: item for item in body["forecast"]["items"]}
    assert set(lines) == {"weekly_grades", "homework"}
    assert lines["homework"]["sms"] == 9
    assert lines["homework"]["cost_cyrillic"] == 9 * lines["homework"]["parts_cyrillic"] * 20_00
    assert lines["weekly_grades"]["sms"] == 4
    digest = lines["weekly_grades"]
    assert digest["parts_latin"] < digest["parts_cyrillic"]  # no marks: a typical week
    assert body["forecast"]["latin"] < body["forecast"]["cyrillic"]
    assert body["forecast"]["cyrillic"] == sum(i["cost_cyrillic"] for i in lines.values())
    assert (body["spent"], body["monthly_cap"]) == (0, None)


async def test_the_digest_is_sized_on_the_childs_own_recent_weeks(api: Api) -> None:
    await _verified_with_money(api)
    r = await api.call("PUT", "/api/v1/children/p-aida/subscription",
                       json={"phone": KZ_PHONE, "types": ["weekly_grades", "grade_instant"],
                             "language": "ru"})  # fmt: skip
    assert r.status == 200
    conn = await _db(api)
    try:  # one week with six maths marks: a one-part digest, not a typical week's three
        await conn.execute(
            "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment,"
            " mark, as_of) SELECT 'g-' || i, 'sch-1', 'p-aida', 'Математика', '2026-11-18',"
            " 'lesson', 4 + i % 2, $1 FROM generate_series(1, 6) i",
            NOW,
        )
    finally:
        await conn.close()
    body = await (await api.call("GET", "/api/v1/spending")).json()
    lines = {item["type"]: item for item in body["forecast"]["items"]}
    assert (lines["weekly_grades"]["parts_cyrillic"], lines["weekly_grades"]["parts_latin"]) == (
        1,
        1,
    )
    # 6 marks posted together: one SMS, for 5А's two pupils half an SMS each in four weeks,
    # 0.54 in a 30-day month -> 1 SMS (it was 3, one per mark, before marks were bundled)
    assert lines["grade_instant"]["sms"] == 1


async def test_grade_sms_are_forecast_as_bundles_up_to_the_daily_limit(api: Api) -> None:
    await _verified_with_money(api)
    conn = await _db(api)
    try:  # four days on which Аида got a mark in four lessons, two hours apart: 4 SMS a day
        await conn.execute(
            "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment,"
            " mark, as_of) SELECT 'g-' || d || '-' || h, 'sch-1', 'p-aida', 'Математика',"
            " $1::date + d, 'lesson', 5, $1 + make_interval(days => d, hours => h)"
            " FROM generate_series(0, 3) d, generate_series(0, 6, 2) h",
            datetime.fromisoformat("2026-11-16T09:10:00+05:00"),
        )
    finally:
        await conn.close()

    async def forecast(limit: int) -> tuple[int, int, int]:
        await api.subscribe(types=["grade_instant"], grade_alerts_per_day=limit)
        body = await (await api.call("GET", "/api/v1/spending")).json()
        line = body["forecast"]["items"][0]
        return line["sms"], line["cost_cyrillic"], line["cost_latin"]

    # 3 a day: 12 SMS in four weeks for 5А's 2 pupils, 6 each, 6.4 in November -> 6 × 20.00
    assert await forecast(3) == (6, 120_00, 120_00)
    assert await forecast(1) == (2, 40_00, 40_00)  # 4 in four weeks, 2 each -> 2.1 -> 2
    assert await forecast(10) == (9, 180_00, 180_00)  # all 16: 8 each -> 8.6 -> 9
