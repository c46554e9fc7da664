"""The parent's wallet as they see it: balance, statement, messages, what a text costs."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest

from billing.holds import capture_hold, place_hold, release_hold
from billing.ledger import credit_wallet
from tests.e2e.api_support import KG_PHONE, Api

pytest_plugins = ("tests.e2e.api_fixtures",)


async def _top_up(api: Api, parent: str, amount: int, currency: str = "KZT") -> None:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():
            await credit_wallet(
                conn, parent, amount, currency, source=("gateway_clearing", "freedompay"),
                kind="top_up", reference=f"pay-{uuid.uuid4()}",
            )  # fmt: skip
    finally:
        await conn.close()


async def _charge_sms(api: Api, parent: str, pupil: str, amount: int, capture: bool) -> None:
    """An SMS about `pupil` queued with a hold on the wallet, then sent (hold captured)."""
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():
            hold = await place_hold(
                conn, parent, amount, reference=f"test-{uuid.uuid4()}",
                expires_at=api.clock.now() + timedelta(hours=1),
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO notifications (event_id, parent_id, pupil_id, kind, phone, body,"
                " encoding, parts, price, currency, hold_id, status, created_at)"
                " VALUES ($1, $2, $3, 'homework', '+77011234567', 'ДЗ: стр. 45', 'UCS-2', 1,"
                " $4, 'KZT', $5, $6, clock_timestamp())",
                uuid.uuid4(), parent, pupil, amount, hold.id, "sent" if capture else "sending",
            )  # fmt: skip
            if capture:
                await capture_hold(conn, hold.id)
    finally:
        await conn.close()


async def test_a_parent_who_never_topped_up_has_an_empty_balance(api: Api) -> None:
    r = await api.call("GET", "/api/v1/balance")
    assert r.status == 200
    assert await r.json() == {
        "currency": None,
        "available": 0,
        "held": 0,
        "posted": 0,
        "available_display": "0.00",
        "price_per_part": None,
        "sms_parts_covered": None,
    }


async def test_the_balance_says_how_many_sms_parts_it_still_covers(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=False)
    body = await (await api.call("GET", "/api/v1/balance")).json()
    assert body == {
        "currency": "KZT",
        "available": 80_00,
        "held": 20_00,
        "posted": 100_00,
        "available_display": "80.00 KZT",
        "price_per_part": 20_00,
        "sms_parts_covered": 4,
    }
    other = await (await api.call("GET", "/api/v1/balance", "par-2")).json()
    assert other["currency"] is None


async def test_the_statement_shows_money_in_as_positive_and_sms_as_negative(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=True)
    r = await api.call("GET", "/api/v1/balance/statement?language=kk")
    body = await r.json()
    lines = [(i["amount"], i["currency"], i["kind"], i["description"]) for i in body["items"]]
    assert lines == [
        (-20_00, "KZT", "sms_charge", "SMS төлемі: үй тапсырмасы, Аида — «ДЗ: стр. 45»"),
        (100_00, "KZT", "top_up", "Freedom Pay арқылы толықтыру"),
    ]
    assert body["next_cursor"] is None
    theirs = await (await api.call("GET", "/api/v1/balance/statement", "par-2")).json()
    assert theirs["items"] == []


async def test_the_statement_pages_with_an_opaque_cursor(api: Api) -> None:
    for amount in (1_00, 2_00, 3_00):
        await _top_up(api, "par-1", amount)
    first = await (await api.call("GET", "/api/v1/balance/statement?limit=2")).json()
    assert [i["amount"] for i in first["items"]] == [3_00, 2_00]
    assert first["items"][0]["description"] == "Пополнение через Freedom Pay"
    path = f"/api/v1/balance/statement?limit=2&cursor={first['next_cursor']}"
    second = await (await api.call("GET", path)).json()
    assert [i["amount"] for i in second["items"]] == [1_00]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=bm9wZQ", "cursor"),
        ("sort=asc", "sort"),
    ],
)
async def test_bad_paging_parameters_are_refused(api: Api, query: str, field: str) -> None:
    for path in ("/api/v1/balance/statement", "/api/v1/messages"):
        r = await api.call("GET", f"{path}?{query}")
        assert r.status == 422
        assert field in [d["field"] for d in (await r.json())["error"]["details"]]


async def test_messages_come_newest_first_page_by_page(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    for pupil in ("p-aida", "p-bek", "p-aida"):
        await _charge_sms(api, "par-1", pupil, 20_00, capture=True)
    first = await (await api.call("GET", "/api/v1/messages?limit=2")).json()
    assert [m["pupil_id"] for m in first["items"]] == ["p-aida", "p-bek"]
    assert (first["items"][0]["cost"], first["items"][0]["charge"]) == (20_00, "charged")
    assert first["items"][0]["status"] == "sent"
    path = f"/api/v1/messages?limit=2&cursor={first['next_cursor']}"
    second = await (await api.call("GET", path)).json()
    assert [m["pupil_id"] for m in second["items"]] == ["p-aida"]
    assert second["next_cursor"] is None
    ids = [m["id"] for m in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_messages_can_be_narrowed_to_one_child_but_not_someone_else_s(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=True)
    await _charge_sms(api, "par-1", "p-bek", 20_00, capture=True)
    bek = await (await api.call("GET", "/api/v1/messages?pupil_id=p-bek")).json()
    assert [m["pupil_id"] for m in bek["items"]] == ["p-bek"]
    r = await api.call("GET", "/api/v1/messages?pupil_id=p-nur")
    assert r.status == 404
    theirs = await (await api.call("GET", "/api/v1/messages", "par-2")).json()
    assert theirs["items"] == []


async def test_the_cost_of_a_text_counts_parts_by_alphabet(api: Api) -> None:
    latin = await (await api.call("POST", "/api/v1/cost-preview", json={"text": "Hello"})).json()
    assert latin == {
        "encoding": "GSM-7",
        "parts": 1,
        "characters": 5,
        "price": 20_00,
        "currency": "KZT",
        "price_display": "20.00 KZT",
    }
    cyrillic = {"text": "Ж" * 71, "language": "ru"}
    body = await (await api.call("POST", "/api/v1/cost-preview", json=cyrillic)).json()
    assert (body["encoding"], body["parts"], body["price"]) == ("UCS-2", 2, 40_00)


async def test_a_kyrgyz_parent_sees_prices_in_som(api: Api) -> None:
    await api.subscribe("p-nur", "par-2", phone=KG_PHONE, language="ky")
    body = await (
        await api.call("POST", "/api/v1/cost-preview", "par-2", json={"text": "Hi"})
    ).json()
    assert (body["currency"], body["price"], body["price_display"]) == ("KGS", 3_00, "3.00 KGS")


async def test_a_text_too_long_to_preview_is_refused(api: Api) -> None:
    r = await api.call("POST", "/api/v1/cost-preview", json={"text": "a" * 2001})
    assert r.status == 422


async def test_each_message_shows_its_final_report_and_a_refunded_one_cost_nothing(
    api: Api,
) -> None:
    await _top_up(api, "par-1", 100_00)
    for pupil in ("p-aida", "p-bek", "p-aida"):
        await _charge_sms(api, "par-1", pupil, 20_00, capture=True)
    ids = [m["id"] for m in (await (await api.call("GET", "/api/v1/messages")).json())["items"]]
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        await conn.execute("UPDATE notifications SET provider = 'dev',"
                           " provider_message_id = 'dev-' || id")  # fmt: skip
    finally:
        await conn.close()
    token = api.settings.internal_api_token
    assert token is not None
    for message_id, status in zip(ids, ("expired", "delivered"), strict=False):
        r = await api.client.post(
            "/internal/v1/delivery-reports",
            json={"provider": "dev", "provider_message_id": f"dev-{message_id}", "status": status},
            headers={"Authorization": f"Bearer {token.get_secret_value()}"},
        )
        assert r.status == 200
    items = (await (await api.call("GET", "/api/v1/messages")).json())["items"]
    assert [(m["delivery_status"], m["cost"], m["charge"]) for m in items] == [
        ("expired", 0, "refunded"), ("delivered", 20_00, "charged"), (None, 20_00, "charged"),
    ]  # fmt: skip
    reported = [m["delivery_reported_at"] for m in items]
    assert reported[2] is None
    assert datetime.fromisoformat(reported[0]) == api.clock.now()
    assert (await (await api.call("GET", "/api/v1/balance")).json())["posted"] == 60_00


async def test_a_failed_sms_that_was_never_charged_shows_it_cost_nothing(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=False)  # being sent: held
    await _charge_sms(api, "par-1", "p-bek", 20_00, capture=False)
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():  # the second one failed: its hold is released
            hold_id = await conn.fetchval(
                "UPDATE notifications SET status = 'failed' WHERE pupil_id = 'p-bek'"
                " RETURNING hold_id"
            )
            await release_hold(conn, hold_id, "provider refused it")
    finally:
        await conn.close()
    items = (await (await api.call("GET", "/api/v1/messages")).json())["items"]
    assert [(m["status"], m["cost"], m["charge"]) for m in items] == [
        ("failed", 0, "not_charged"), ("sending", 20_00, "held"),
    ]  # fmt: skip
    assert (await (await api.call("GET", "/api/v1/balance")).json())["posted"] == 100_00
