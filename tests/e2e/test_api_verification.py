"""Phone verification: codes by SMS (free to parents), attempts, expiry and resend limits."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from tests.e2e.api_support import KG_PHONE, KZ_PHONE, Api

pytest_plugins = ("tests.e2e.api_fixtures",)

RESEND = "/api/v1/phone-verifications"
CONFIRM = "/api/v1/phone-verifications/confirm"


def _other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_the_code_sms_is_free_for_the_parent_and_paid_by_the_house(api: Api) -> None:
    await api.subscribe()
    await api.code_sent_to(KZ_PHONE)
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        sms = await conn.fetchrow("SELECT * FROM notifications WHERE kind = 'verification'")
        house = await conn.fetchval(
            "SELECT sum(e.amount) FROM ledger_entries e JOIN ledger_accounts a"
            " ON a.id = e.account_id WHERE a.kind = 'house' AND a.currency = 'KZT'"
        )
        charge = await conn.fetchval(
            "SELECT count(*) FROM ledger_transactions WHERE kind = 'house_sms' AND reference = $1",
            f"notification:{sms['id']}",
        )
        wallet = await conn.fetchval("SELECT count(*) FROM ledger_accounts WHERE kind = 'wallet'")
    finally:
        await conn.close()
    assert (sms["parts"], sms["price"], sms["currency"]) == (1, 2000, "KZT")
    assert sms["hold_id"] is None
    assert house == 2000  # debited to the house
    assert charge == 1
    assert wallet == 0  # the parent has not even topped up


async def test_a_kyrgyz_phone_gets_its_code_priced_in_som(api: Api) -> None:
    r = await api.call("POST", RESEND, "par-2", json={"phone": "0555 123 456", "language": "ky"})
    assert r.status == 202
    assert (await r.json())["phone"] == KG_PHONE
    await api.code_sent_to(KG_PHONE)
    assert api.texts_to(KG_PHONE)[0].startswith("Ырастоо коду: ")
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT price, currency FROM notifications WHERE phone = $1", KG_PHONE
        )
    finally:
        await conn.close()
    assert (row["price"], row["currency"]) == (300, "KGS")


async def test_the_message_list_never_shows_the_code(api: Api) -> None:
    await api.subscribe()
    code = await api.code_sent_to(KZ_PHONE)
    items = (await (await api.call("GET", "/api/v1/messages")).json())["items"]
    assert len(items) == 1
    assert items[0]["kind"] == "verification"
    assert (items[0]["cost"], items[0]["charge"]) == (0, "not_charged")
    assert code not in items[0]["text"]
    assert "******" in items[0]["text"]


async def test_wrong_codes_count_down_and_then_the_code_is_spent(api: Api) -> None:
    await api.subscribe()
    code = await api.code_sent_to(KZ_PHONE)
    wrong = {"phone": KZ_PHONE, "code": _other_than(code)}
    left = []
    for _ in range(5):
        r = await api.call("POST", CONFIRM, json=wrong)
        assert r.status == 422
        error = (await r.json())["error"]
        assert error["code"] == "wrong_code"
        left.append(error["details"]["attempts_left"])
    assert left == [4, 3, 2, 1, 0]
    r = await api.call("POST", CONFIRM, json={"phone": KZ_PHONE, "code": code})
    assert r.status == 410
    assert (await r.json())["error"]["code"] == "code_expired"


async def test_a_code_expires_after_ten_minutes_and_saving_again_sends_a_new_one(
    api: Api,
) -> None:
    await api.subscribe()
    code = await api.code_sent_to(KZ_PHONE)
    api.clock.advance(timedelta(minutes=10, seconds=1))
    r = await api.call("POST", CONFIRM, json={"phone": KZ_PHONE, "code": code})
    assert r.status == 410
    again = await api.subscribe()
    assert again["verification"]["status"] == "code_sent"
    await api.verify(KZ_PHONE, count=2)


async def test_only_the_newest_code_counts(api: Api) -> None:
    await api.subscribe()
    first = await api.code_sent_to(KZ_PHONE)
    assert (await api.call("POST", RESEND, json={"phone": KZ_PHONE})).status == 202
    newest = await api.code_sent_to(KZ_PHONE, count=2)
    if first != newest:  # one chance in a million they are equal
        r = await api.call("POST", CONFIRM, json={"phone": KZ_PHONE, "code": first})
        assert r.status == 422
    r = await api.call("POST", CONFIRM, json={"phone": KZ_PHONE, "code": newest})
    assert r.status == 200
    assert await r.json() == {"phone": KZ_PHONE, "verified": True}


async def test_a_fourth_code_within_an_hour_waits_for_the_hour_to_pass(api: Api) -> None:
    await api.subscribe()
    for _ in range(2):
        assert (await api.call("POST", RESEND, json={"phone": KZ_PHONE})).status == 202
    r = await api.call("POST", RESEND, json={"phone": KZ_PHONE})
    assert r.status == 429
    assert r.headers["Retry-After"] == "3600"
    assert (await r.json())["error"]["code"] == "too_many_requests"
    saved = await (await api.call("GET", "/api/v1/children/p-aida/subscription")).json()
    assert saved["verification"]["retry_after_seconds"] == 3600
    api.clock.advance(timedelta(minutes=45))
    r = await api.call("POST", RESEND, json={"phone": KZ_PHONE})
    assert r.headers["Retry-After"] == str(15 * 60)
    api.clock.advance(timedelta(minutes=15, seconds=1))
    assert (await api.call("POST", RESEND, json={"phone": KZ_PHONE})).status == 202


async def test_another_parent_asking_for_a_phone_cannot_lock_its_owner_out(api: Api) -> None:
    for _ in range(3):
        assert (await api.call("POST", RESEND, "par-2", json={"phone": KZ_PHONE})).status == 202
    r = await api.call("POST", RESEND, "par-2", json={"phone": KZ_PHONE})
    assert r.status == 429
    assert (await api.call("POST", RESEND, json={"phone": KZ_PHONE})).status == 202


async def test_a_phone_gets_codes_from_at_most_three_other_parents_a_day(api: Api) -> None:
    for parent in ("par-2", "par-3", "par-4"):
        assert (await api.call("POST", RESEND, parent, json={"phone": KZ_PHONE})).status == 202
    r = await api.call("POST", RESEND, "par-5", json={"phone": KZ_PHONE})
    assert (r.status, r.headers["Retry-After"]) == (429, str(24 * 3600))
    api.clock.advance(timedelta(days=1, seconds=1))
    assert (await api.call("POST", RESEND, "par-5", json={"phone": KZ_PHONE})).status == 202


async def test_one_parent_gets_at_most_five_codes_an_hour_whatever_the_phones(api: Api) -> None:
    phones = [f"+770112345{n:02d}" for n in range(3)]
    for n in range(5):
        assert (await api.call("POST", RESEND, json={"phone": phones[n % 3]})).status == 202
    r = await api.call("POST", RESEND, json={"phone": phones[2]})
    assert (r.status, r.headers["Retry-After"]) == (429, "3600")


async def test_one_parent_gets_codes_for_at_most_three_different_phones_a_day(api: Api) -> None:
    """Five strangers' phones in a row were five free SMS paid by the house."""
    strangers = [f"+770512345{n:02d}" for n in range(4)]
    for phone in strangers[:3]:
        assert (await api.call("POST", RESEND, json={"phone": phone})).status == 202
    r = await api.call("POST", RESEND, json={"phone": strangers[3]})
    assert (r.status, r.headers["Retry-After"]) == (429, str(24 * 3600))
    error = (await r.json())["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"].startswith("codes were asked for 3 different phones today")
    assert len(api.texts_to(strangers[3])) == 0
    api.clock.advance(timedelta(minutes=1))  # another code to a phone asked for today is fine
    assert (await api.call("POST", RESEND, json={"phone": strangers[0]})).status == 202
    api.clock.advance(timedelta(days=1))
    assert (await api.call("POST", RESEND, json={"phone": strangers[3]})).status == 202


async def _earlier_codes(api: Api, parent_id: str, count: int, pupil_id: str = "") -> None:
    """`count` codes sent moments ago to `parent_id` (copies of a real one), a parent of
    `pupil_id` when given."""
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        if pupil_id:
            await conn.execute(
                "INSERT INTO parent_links (parent_id, pupil_id, linked_at) VALUES ($1, $2, now())",
                parent_id,
                pupil_id,
            )
        await conn.execute(
            "INSERT INTO phone_verifications (parent_id, phone, code_hash, created_at,"
            " expires_at, notification_id) SELECT $1, v.phone, v.code_hash, v.created_at,"
            " v.expires_at, v.notification_id FROM (SELECT * FROM phone_verifications LIMIT 1) v,"
            " generate_series(1, $2)",
            parent_id,
            count,
        )
    finally:
        await conn.close()


async def test_the_parents_of_one_school_share_an_hourly_budget(api: Api) -> None:
    assert (await api.call("POST", RESEND, "par-2", json={"phone": KG_PHONE})).status == 202
    await _earlier_codes(api, "par-9", 100, pupil_id="p-bek")  # another parent at sch-1
    r = await api.call("POST", RESEND, json={"phone": KZ_PHONE})  # par-1: sch-1, no codes yet
    assert r.status == 429
    # par-2's school (sch-2) has its own budget.
    assert (await api.call("POST", RESEND, "par-2", json={"phone": KG_PHONE})).status == 202


async def test_the_house_stops_paying_for_codes_beyond_its_daily_budget(api: Api) -> None:
    assert (await api.call("POST", RESEND, json={"phone": KZ_PHONE})).status == 202
    await _earlier_codes(api, "someone-else", 4999)
    r = await api.call("POST", RESEND, "par-2", json={"phone": KG_PHONE})
    assert r.status == 429
    assert int(r.headers["Retry-After"]) > 23 * 3600


async def test_a_verified_phone_gets_no_more_codes_and_confirming_again_is_fine(
    api: Api,
) -> None:
    await api.subscribe()
    code = await api.code_sent_to(KZ_PHONE)
    await api.verify(KZ_PHONE)
    r = await api.call("POST", RESEND, json={"phone": KZ_PHONE})
    assert r.status == 409
    assert (await r.json())["error"]["code"] == "already_verified"
    again = await api.call("POST", CONFIRM, json={"phone": KZ_PHONE, "code": code})
    assert again.status == 200


async def test_another_parent_cannot_use_a_code_sent_for_someone_else(api: Api) -> None:
    await api.subscribe()
    code = await api.code_sent_to(KZ_PHONE)
    r = await api.call("POST", CONFIRM, "par-2", json={"phone": KZ_PHONE, "code": code})
    assert r.status == 410
    mine = await (await api.call("GET", "/api/v1/children/p-aida/subscription")).json()
    assert mine["phone_verified"] is False


async def test_the_resent_code_speaks_the_subscription_s_language(api: Api) -> None:
    await api.subscribe(language="kk")
    assert (await api.call("POST", RESEND, json={"phone": KZ_PHONE})).status == 202
    await api.code_sent_to(KZ_PHONE, count=2)
    assert all(t.startswith("Растау коды: ") for t in api.texts_to(KZ_PHONE))


async def test_malformed_verification_requests_are_refused(api: Api) -> None:
    r = await api.call("POST", CONFIRM, json={"phone": KZ_PHONE, "code": "12ab56"})
    assert r.status == 422
    assert (await r.json())["error"]["details"][0]["field"] == "code"
    r = await api.call("POST", RESEND, json={"phone": "+7 912 345 67 89"})
    assert (await r.json())["error"]["code"] == "invalid_phone"
    r = await api.call("POST", RESEND, data=b"phone=+77011234567")
    assert r.status == 400
