"""One weekly SMS per phone through /api/v1: the option (on unless turned off) with the month's
two prices side by side, and a combined digest named after every child in the statement and
the message history."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from billing.holds import capture_hold, place_hold
from billing.ledger import credit_wallet
from tests.e2e.api_support import KZ_PHONE, Api

pytest_plugins = ("tests.e2e.api_fixtures",)

NOW = datetime.fromisoformat("2026-11-27T19:00:00+05:00")  # Friday, week 2026-W48


async def _sql(api: Api, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _two_children_one_phone(api: Api) -> None:
    """Аида and Бек on one phone in Latin letters, a mark each in each of the last four weeks,
    money on."""
    api.clock.at = NOW
    for pupil in ("p-aida", "p-bek"):
        await api.subscribe(pupil, types=["weekly_grades"], latin=True)
    await api.verify()
    marks = [(f"{p}-{w}", p, date(2026, 10, 27) + timedelta(weeks=w))
             for p in ("p-aida", "p-bek") for w in range(4)]  # fmt: skip
    await _sql(
        api,
        "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, mark,"
        " as_of) SELECT id, 'sch-1', pupil, 'Математика', day, 'lesson', 5, now()"
        " FROM unnest($1::text[], $2::text[], $3::date[]) AS g (id, pupil, day)",
        *map(list, zip(*marks, strict=True)),
    )
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():
            await credit_wallet(conn, "par-1", 1000_00, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference="t-1")  # fmt: skip
    finally:
        await conn.close()


async def test_both_prices_side_by_side_and_the_option_on_by_default(api: Api) -> None:
    await _two_children_one_phone(api)
    r = await api.call("GET", "/api/v1/digest-per-phone")
    assert r.status == 200
    body = await r.json()
    # A week: "Aida, ocenki …: Matematika 5" and Bek's, one part each or one part together;
    # four digests in November at 20.00 KZT a part.
    assert body == {
        "per_phone": True, "currency": "KZT",
        "separate": 160_00, "one_sms": 80_00,
        "separate_display": "160.00 KZT", "one_sms_display": "80.00 KZT",
        "phones": [{"phone": KZ_PHONE, "pupil_ids": ["p-aida", "p-bek"],
                    "separate_parts": 2, "one_sms_parts": 1}],
    }  # fmt: skip


async def test_the_parent_turns_it_off_and_on_with_a_boolean_only(api: Api) -> None:
    await _two_children_one_phone(api)
    for wrong in ("no", 0, None):
        r = await api.call("PUT", "/api/v1/digest-per-phone", json={"per_phone": wrong})
        assert r.status == 422, wrong
    r = await api.call("PUT", "/api/v1/digest-per-phone", json={"per_phone": False})
    assert (r.status, (await r.json())["per_phone"]) == (200, False)
    r = await api.call("GET", "/api/v1/digest-per-phone")
    assert (await r.json())["per_phone"] is False
    stored = await _sql(api, "SELECT per_phone FROM digest_phone_options")
    assert [row[0] for row in stored] == [False]


async def test_a_parent_with_one_child_has_nothing_to_combine(api: Api) -> None:
    api.clock.at = NOW
    await api.subscribe("p-aida", types=["weekly_grades"])
    await api.verify()
    body = await (await api.call("GET", "/api/v1/digest-per-phone")).json()
    assert (body["phones"], body["separate"], body["one_sms"]) == ([], 0, 0)


async def test_a_combined_digest_names_both_children_in_statement_and_history(api: Api) -> None:
    await _two_children_one_phone(api)
    subs = dict(await _sql(api, "SELECT pupil_id, id FROM subscriptions"))
    text = "Аида, оценки 23-29.11: Математика 5\nБек, оценки 23-29.11: Математика 5"
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():
            hold = await place_hold(conn, "par-1", 20_00, reference=f"t-{uuid.uuid4()}",
                                    expires_at=api.clock.now() + timedelta(hours=1))  # fmt: skip
            await conn.execute(
                "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
                " phone, body, encoding, parts, price, currency, hold_id, status, dedupe_key)"
                " VALUES ($1, $2, 'par-1', 'p-aida', 'weekly_digest', $3, $4, 'UCS-2', 1, 20_00,"
                " 'KZT', $5, 'sent', 'weekly_digest:2026-W48')",
                uuid.uuid4(), subs["p-aida"], KZ_PHONE, text, hold.id,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO digest_coverage (subscription_id, iso_week, pupil_id, sent_with)"
                " VALUES ($1, '2026-W48', 'p-aida', $1), ($2, '2026-W48', 'p-bek', $1)",
                subs["p-aida"], subs["p-bek"],
            )  # fmt: skip
            await capture_hold(conn, hold.id)
    finally:
        await conn.close()
    r = await api.call("GET", "/api/v1/balance/statement?language=kk")
    line = (await r.json())["items"][0]
    assert line["description"] == (
        "SMS төлемі: апталық бағалар, Аида, Бек — «Аида, оценки 23-29.11…»"
    )
    assert (line["child"], line["amount"]) == ("Аида, Бек", -20_00)
    for pupil in ("p-aida", "p-bek"):  # each child's history shows it
        r = await api.call("GET", f"/api/v1/messages?pupil_id={pupil}")
        [message] = [m for m in (await r.json())["items"] if m["kind"] == "weekly_digest"]
        assert (message["pupil_ids"], message["cost"]) == (["p-aida", "p-bek"], 20_00)


async def test_the_months_forecast_takes_off_what_one_sms_per_phone_saves(api: Api) -> None:
    await _two_children_one_phone(api)

    async def forecast() -> dict[str, Any]:
        return dict((await (await api.call("GET", "/api/v1/spending")).json())["forecast"])

    # In Latin two one-part digests share one part; in Cyrillic (67 a part) they would not.
    found = await forecast()
    assert (found["latin"], found["per_phone_saving_latin"]) == (80_00, 80_00)
    assert (found["cyrillic"], found["per_phone_saving_cyrillic"]) == (160_00, 0)
    await api.call("PUT", "/api/v1/digest-per-phone", json={"per_phone": False})
    found = await forecast()
    assert (found["latin"], found["per_phone_saving_latin"]) == (160_00, 0)
