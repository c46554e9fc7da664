"""Stopping is easy: a reply of STOP to our sender, or the one-click link that arrives free
once the phone is confirmed, switches off every paid SMS to that phone."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from aiohttp import ClientResponse

from billing.holds import place_hold
from gateways.sms.incoming import Incoming
from notifier.manager.stop import reply_sink
from tests.e2e.api_support import KZ_PHONE, Api
from tests.support import QUEUE_QUEUED, received_sms, wait_for

pytest_plugins = ("tests.e2e.api_fixtures",)


def _internal(api: Api) -> dict[str, str]:
    token = api.settings.internal_api_token
    assert token is not None
    return {"Authorization": f"Bearer {token.get_secret_value()}"}


async def _reply(api: Api, text: str, message_id: str = "mo-1") -> ClientResponse:
    body = {"provider": "mobizon", "provider_message_id": message_id, "phone": "8 701 123 45 67",
            "text": text}  # fmt: skip
    return await api.client.post("/internal/v1/incoming-sms", json=body, headers=_internal(api))


async def _subscriptions(api: Api) -> list[dict[str, Any]]:
    r = await api.client.get(
        "/internal/v1/subscriptions", params={"parent_id": "par-1"}, headers=_internal(api)
    )
    return list((await r.json())["items"])


async def _consents(api: Api) -> list[tuple[str, str, list[str]]]:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        rows = await conn.fetch("SELECT action, actor, types FROM consent_records ORDER BY id")
    finally:
        await conn.close()
    return [(r["action"], r["actor"], r["types"]) for r in rows]


async def _sms(api: Api, count: int) -> list[dict[str, Any]]:
    async def arrived() -> bool:
        return len(received_sms(api.settings.sms_dev_outbox)) >= count

    assert await wait_for(arrived, timeout=10), "the SMS did not go out"
    return [m for m in received_sms(api.settings.sms_dev_outbox) if m["to"] == KZ_PHONE]


async def _two_children_verified(api: Api) -> None:
    await api.subscribe("p-aida", types=["homework", "weekly_grades"], language="ru")
    await api.verify()
    api.clock.advance(timedelta(minutes=1))
    await api.subscribe("p-bek", types=["announcements"], language="kk")


async def test_a_confirmed_phone_gets_the_link_to_stop_free_in_one_part(api: Api) -> None:
    await _two_children_verified(api)
    sent = await _sms(api, 2)
    notice = sent[1]
    assert notice["text"].startswith("Nomer podtverzhden. Otpiska: https://notify.example.kz/")
    assert notice["text"].endswith(" ili otvet'te STOP")
    assert (notice["parts"], notice["paid_by"], notice["kind"]) == (1, "house", "phone_verified")
    link = urlsplit(notice["text"].split()[3])
    r = await api.client.post(f"{link.path}?{link.query}")
    assert r.status == 200
    assert [(s["pupil_id"], s["active"]) for s in await _subscriptions(api)] == [
        ("p-aida", False),
        ("p-bek", False),
    ]


async def test_a_reply_of_stop_switches_off_every_paid_type_and_confirms_free(api: Api) -> None:
    await _two_children_verified(api)
    r = await _reply(api, "  стоп! ")
    assert r.status == 200, await r.text()
    assert (await r.json())["outcome"] == "stopped"
    assert all(not s["active"] and s["types"] == [] for s in await _subscriptions(api))
    confirmation = (await _sms(api, 3))[-1]
    # In the language of the phone's latest subscription (Бек's, in Kazakh), paid by the house.
    assert confirmation["text"] == "Барлық ақылы SMS өшірілді. Қайта қосу — күнделікте."
    assert (confirmation["paid_by"], confirmation["parts"]) == ("house", 1)
    stops = [c for c in await _consents(api) if c[0] == "sms-stop"]
    assert stops == [("sms-stop", "sms-reply:mobizon", []), ("sms-stop", "sms-reply:mobizon", [])]


async def test_the_same_reply_twice_confirms_once(api: Api) -> None:
    await _two_children_verified(api)
    first, again = await _reply(api, "STOP"), await _reply(api, "STOP")
    assert [(await first.json())["outcome"], (await again.json())["outcome"]] == [
        "stopped",
        "duplicate",
    ]
    other_id = await _reply(api, "Stop", message_id="mo-2")  # a second STOP: nothing left on
    assert (await other_id.json())["outcome"] == "nothing_to_stop"
    await _sms(api, 3)
    texts = [m["text"] for m in received_sms(api.settings.sms_dev_outbox)]
    assert sum("өшірілді" in t for t in texts) == 1


async def test_any_other_reply_changes_nothing(api: Api) -> None:
    await _two_children_verified(api)
    for word in ("Stop please", "СТОПКА", "ТОКТОТ ПОЖАЛУЙСТА"):
        r = await _reply(api, word, message_id=word)
        assert (await r.json())["outcome"] == "not_a_stop_word"
    assert all(s["active"] for s in await _subscriptions(api))


async def test_kyrgyz_and_kazakh_stop_words_work(api: Api) -> None:
    for n, word in enumerate(("токтот", "Тоқтат.")):
        await api.subscribe("p-aida", types=["homework"], language="ky")
        if n == 0:
            await api.verify()
        r = await _reply(api, word, message_id=f"mo-{word}")
        assert (await r.json())["outcome"] == "stopped"


async def test_the_endpoint_is_in_the_internal_openapi(api: Api) -> None:
    doc = await (await api.client.get("/internal/v1/openapi.json")).json()
    assert "post" in doc["paths"]["/internal/v1/incoming-sms"]
    assert (await api.client.post("/internal/v1/incoming-sms", json={})).status in (401, 503)


async def _waiting_homework(api: Api) -> dict[str, str]:
    """A homework SMS for Аида waiting for tomorrow's window, 20 ₸ of 100 ₸ held."""
    token = _internal(api)
    credit = {"amount": 100_00, "currency": "KZT", "reference": "crm-stop"}
    assert (await api.client.post("/internal/v1/wallets/par-1/credits", json=credit,
                                  headers=token)).status == 201  # fmt: skip
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():
            hold = await place_hold(conn, "par-1", 20_00, reference="test-stop",
                                    expires_at=api.clock.now() + timedelta(days=1))  # fmt: skip
            await conn.execute(
                "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
                " phone, body, encoding, parts, price, currency, hold_id, status, created_at,"
                " next_attempt_at) SELECT $1, id, parent_id, pupil_id, 'homework', phone,"
                " 'Аида: ДЗ', 'UCS-2', 1, 20_00, 'KZT', $2, 'queued', $3, $4"
                " FROM subscriptions WHERE pupil_id = 'p-aida'",
                uuid.uuid4(), hold.id, api.clock.now(), api.clock.now() + timedelta(hours=12),
            )  # fmt: skip
            await conn.execute(QUEUE_QUEUED)
    finally:
        await conn.close()
    return token


async def _homework_after(api: Api, token: dict[str, str], language: str = "ru") -> tuple[Any, ...]:
    wallet = await (await api.client.get("/internal/v1/wallets/par-1", headers=token)).json()
    assert (wallet["held"], wallet["available"]) == (0, 100_00)
    r = await api.call("GET", f"/api/v1/messages?pupil_id=p-aida&language={language}")
    assert r.status == 200, await r.text()
    m = next(m for m in (await r.json())["items"] if m["kind"] == "homework")
    return m["status"], m["cost"], m["charge"], m["reason_code"], m["reason"]


async def test_paid_sms_still_waiting_are_not_sent_nor_charged_after_stop(api: Api) -> None:
    await _two_children_verified(api)
    token = await _waiting_homework(api)
    assert (await _reply(api, "СТОП")).status == 200
    assert await _homework_after(api, token) == (
        "cancelled", 0, "not_charged", "stopped",
        "Не отправлено: вы ответили СТОП. Деньги не списаны",
    )  # fmt: skip


async def test_switching_a_child_off_on_the_page_cancels_its_waiting_sms(api: Api) -> None:
    await _two_children_verified(api)
    token = await _waiting_homework(api)
    assert (await api.call("DELETE", "/api/v1/children/p-aida/subscription")).status == 200
    assert await _homework_after(api, token, "kk") == (
        "cancelled", 0, "not_charged", "switched_off",
        "Жіберілмеді: сіз хабарландыруларды өшірдіңіз. Ақша алынбады",
    )  # fmt: skip


async def test_an_smpp_reply_without_a_message_id_twice_confirms_once(api: Api) -> None:
    await _two_children_verified(api)
    message = Incoming("smpp", "+77011234567", "STOP", api.clock.now())
    pool = await asyncpg.create_pool(api.settings.database_url, min_size=1, max_size=2)
    try:
        sink = reply_sink(pool)
        await sink(message)
        await sink(message)  # the SMSC delivered it again: its ack was lost
        async with pool.acquire() as conn:
            outcomes = await conn.fetch("SELECT outcome FROM incoming_sms ORDER BY id")
    finally:
        await pool.close()
    assert [r["outcome"] for r in outcomes] == ["stopped", "nothing_to_stop"]
    await _sms(api, 3)
    texts = [m["text"] for m in received_sms(api.settings.sms_dev_outbox)]
    assert sum("өшірілді" in t for t in texts) == 1
