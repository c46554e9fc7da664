"""A statement a parent can read: each charge names the child, the kind and the message's first
words; a refund says it is one, why, and which charge it returns; a top-up names its gateway."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from tests.e2e.api_support import KG_PHONE, Api
from tests.e2e.test_api_wallet import _charge_sms, _top_up
from tests.support import wait_for

pytest_plugins = ("tests.e2e.api_fixtures",)

HOMEWORK = "Аида: ДЗ «Математика» до 25.11: Стр. 45, № 3–7, повторить таблицу умножения"


async def _set(api: Api, sql: str, *args: Any) -> None:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def _report(api: Api, status: str) -> None:
    await _set(api, "UPDATE notifications SET provider = 'dev', provider_message_id = 'dev-1'")
    token = api.settings.internal_api_token
    assert token is not None
    r = await api.client.post(
        "/internal/v1/delivery-reports",
        json={"provider": "dev", "provider_message_id": "dev-1", "status": status},
        headers={"Authorization": f"Bearer {token.get_secret_value()}"},
    )
    assert r.status == 200


async def _lines(api: Api, language: str) -> list[dict[str, Any]]:
    r = await api.call("GET", f"/api/v1/balance/statement?language={language}")
    assert r.status == 200
    return list((await r.json())["items"])


async def test_a_charge_names_the_child_the_kind_and_the_first_words(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=True)
    await _set(api, "UPDATE notifications SET body = $1", HOMEWORK)
    texts = {lang: (await _lines(api, lang))[0]["description"] for lang in ("ru", "kk", "ky")}
    assert texts == {
        "ru": "Оплата SMS: домашнее задание, Аида — «Аида: ДЗ «Математика» до 25.11…»",
        "kk": "SMS төлемі: үй тапсырмасы, Аида — «Аида: ДЗ «Математика» до 25.11…»",
        "ky": "SMS төлөмү: үй тапшырмасы, Аида — «Аида: ДЗ «Математика» до 25.11…»",
    }
    line = (await _lines(api, "ru"))[0]
    assert (line["child"], line["sms_kind"], line["amount"]) == ("Аида", "homework", -20_00)


async def test_a_refund_says_why_and_points_at_the_charge_it_returns(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-bek", 20_00, capture=True)
    await _set(
        api, "UPDATE notifications SET kind = 'grade_instant', body = 'Бек: Физика 4 (12.11)'"
    )
    await _report(api, "expired")
    refund, charge, top_up = await _lines(api, "ru")
    assert refund["description"] == (
        "Возврат за SMS (истёк срок доставки): оценка, Бек — «Бек: Физика 4 (12.11)»"
    )
    assert (refund["kind"], refund["amount"], refund["refund_reason"]) == (
        "sms_refund",
        20_00,
        "expired",
    )
    assert refund["refund_of"] == charge["id"]
    assert charge["description"] == "Оплата SMS: оценка, Бек — «Бек: Физика 4 (12.11)»"
    assert (top_up["description"], top_up["gateway"]) == (
        "Пополнение через Freedom Pay",
        "freedompay",
    )
    ky = (await _lines(api, "ky"))[0]["description"]
    assert ky == "SMS үчүн кайтаруу (жеткирүү мөөнөтү өттү): баа, Бек — «Бек: Физика 4 (12.11)»"


async def test_an_undelivered_announcement_refund_in_kazakh(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=True)
    body = "Родительское собрание. В пятницу в 18:30 в актовом зале."
    await _set(api, "UPDATE notifications SET kind = 'announcement', body = $1", body)
    await _report(api, "undeliverable")
    refund = (await _lines(api, "kk"))[0]
    assert refund["description"] == (
        "SMS үшін қайтару (жеткізілмеді): хабарландыру, Аида — «Родительское собрание. В…»"
    )


async def test_the_message_history_says_why_an_sms_waits_and_until_when(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=False)
    # 21:30 in Almaty (UTC+5); the school's window opens tomorrow at 09:00.
    api.clock.at = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)
    opens = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    await _set(api, "UPDATE notifications SET status = 'queued', next_attempt_at = $1", opens)
    r = await api.call("GET", "/api/v1/messages?language=kk")
    message = (await r.json())["items"][0]
    assert message["reason"] == "Мектептің жіберу уақытын күтуде: 07.12 09:00 басталады"
    assert message["reason_code"] == "window"
    assert datetime.fromisoformat(message["waiting_until"]) == opens


async def test_the_message_history_says_why_one_did_not_arrive(api: Api) -> None:
    await _top_up(api, "par-1", 100_00)
    await _charge_sms(api, "par-1", "p-aida", 20_00, capture=True)
    await _report(api, "undeliverable")
    message = (await (await api.call("GET", "/api/v1/messages")).json())["items"][0]
    assert message["reason"] == "Не доставлено: телефон был выключен или вне сети"
    assert message["waiting_until"] is None


async def test_a_free_sms_about_no_child_tells_its_time_in_its_country_s_zone(api: Api) -> None:
    await api.subscribe("p-nur", "par-2", phone=KG_PHONE, language="ky")  # a code: free

    async def code_settled() -> bool:  # the dispatcher done with it: the state below is ours
        conn = await asyncpg.connect(api.settings.database_url)
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM outbox_queue") == 0)
        finally:
            await conn.close()

    assert await wait_for(code_settled, 10)
    # The code about no child waits for a retry at 10:05 in Bishkek (UTC+6), 09:05 in Almaty.
    api.clock.at = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    retry = datetime(2026, 12, 7, 4, 5, tzinfo=UTC)
    await _set(api, "UPDATE notifications SET status = 'queued', attempts = 1, pupil_id = NULL,"
               " next_attempt_at = $1", retry)  # fmt: skip
    await _set(api, "INSERT INTO outbox_queue (notification_id, due_at, attempts)"
               " SELECT id, $1, 1 FROM notifications", retry)  # fmt: skip
    r = await api.call("GET", "/api/v1/messages?language=ky", "par-2")
    message = (await r.json())["items"][0]
    assert message["reason"] == "Оператор SMS азырынча кабыл алган жок, 10:05 кайталайбыз"
