"""A parent's children and subscriptions through the real HTTP API."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.e2e.api_support import KZ_PHONE, KZ_PHONE_2, Api
from tests.support import asserted_consent

pytest_plugins = ("tests.e2e.api_fixtures",)

SUB = "/api/v1/children/p-aida/subscription"


async def _count(api: Api, sql: str) -> int:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def test_a_parent_sees_only_their_own_children(api: Api) -> None:
    r = await api.call("GET", "/api/v1/children")
    assert r.status == 200
    items = (await r.json())["items"]
    assert [c["pupil_id"] for c in items] == ["p-aida", "p-bek"]
    assert items[0] == {
        "pupil_id": "p-aida",
        "first_name": "Аида",
        "class_name": "5А",
        "school_name": "Школа-гимназия №1",
    }
    other = await (await api.call("GET", "/api/v1/children", "par-2")).json()
    assert [c["pupil_id"] for c in other["items"]] == ["p-nur"]


async def test_a_child_never_subscribed_is_switched_off_in_the_child_s_language(api: Api) -> None:
    r = await api.call("GET", "/api/v1/children/p-bek/subscription")
    assert r.status == 200
    assert await r.json() == {
        "pupil_id": "p-bek",
        "phone": None,
        "phone_verified": False,
        "types": [],
        "language": "kk",
        "latin": False,
        "grade_alerts_per_day": 3,
        "active": False,
        "verification": {"status": "not_needed", "expires_at": None, "retry_after_seconds": None},
    }


async def test_saving_an_unverified_phone_sends_a_code_and_confirming_it_verifies(
    api: Api,
) -> None:
    saved = await api.subscribe(phone="8 701 123 45 67", types=["weekly_grades", "homework"])
    assert saved["phone"] == KZ_PHONE
    assert saved["types"] == ["homework", "weekly_grades"]
    assert saved["active"] is True
    assert saved["phone_verified"] is False
    assert saved["verification"]["status"] == "code_sent"
    assert saved["verification"]["expires_at"] is not None
    await api.verify(KZ_PHONE)
    now = await (await api.call("GET", SUB)).json()
    assert now["phone_verified"] is True
    assert now["verification"]["status"] == "verified"


async def test_a_phone_verified_for_one_child_is_verified_for_the_other(api: Api) -> None:
    await api.subscribe("p-aida")
    await api.verify(KZ_PHONE)
    sibling = await api.subscribe("p-bek", language="kk")
    assert sibling["phone_verified"] is True
    assert sibling["verification"]["status"] == "verified"
    codes = [t for t in api.texts_to(KZ_PHONE) if t.startswith("Код подтверждения")]
    assert len(codes) == 1  # no second code (the other free SMS is the link to stop)


async def test_saving_the_same_thing_twice_changes_nothing(api: Api) -> None:
    first = await api.subscribe()
    second = await api.subscribe(phone="+7 701 123-45-67")
    assert second == first
    assert await _count(api, "SELECT count(*) FROM consent_records") == 1
    assert await _count(api, "SELECT count(*) FROM phone_verifications") == 1


async def test_a_phone_pasted_as_a_tel_link_is_the_number_it_names(api: Api) -> None:
    saved = await api.subscribe(phone="tel:+7-701-123-45-67")
    assert saved["phone"] == KZ_PHONE
    r = await api.call("POST", "/api/v1/phone-verifications", json={"phone": "tel:+77011234567"})
    assert (r.status, (await r.json())["phone"]) == (202, KZ_PHONE)


async def test_changing_the_phone_needs_the_new_phone_verified(api: Api) -> None:
    await api.subscribe()
    await api.verify(KZ_PHONE)
    changed = await api.subscribe(phone=KZ_PHONE_2)
    assert changed["phone"] == KZ_PHONE_2
    assert changed["phone_verified"] is False
    assert changed["verification"]["status"] == "code_sent"
    await api.verify(KZ_PHONE_2)
    assert (await (await api.call("GET", SUB)).json())["phone_verified"] is True


async def test_removing_one_type_keeps_the_others(api: Api) -> None:
    await api.subscribe(types=["homework", "announcements"])
    r = await api.call("DELETE", SUB + "/types/homework")
    assert r.status == 200
    body = await r.json()
    assert body["types"] == ["announcements"]
    assert body["active"] is True


async def test_removing_the_last_type_switches_the_subscription_off(api: Api) -> None:
    await api.subscribe(types=["homework"])
    body = await (await api.call("DELETE", SUB + "/types/homework")).json()
    assert body["types"] == []
    assert body["active"] is False
    assert body["verification"]["status"] == "not_needed"


async def test_switching_everything_off_twice_is_safe(api: Api) -> None:
    await api.subscribe(types=["homework", "weekly_grades"])
    first = await (await api.call("DELETE", SUB)).json()
    second = await (await api.call("DELETE", SUB)).json()
    assert first == second
    assert first["active"] is False
    assert first["phone"] == KZ_PHONE  # kept, so switching on again is one tap
    assert await _count(api, "SELECT count(*) FROM consent_records") == 2


async def test_switching_off_a_child_never_subscribed_answers_switched_off(api: Api) -> None:
    r = await api.call("DELETE", SUB)
    assert r.status == 200
    assert (await r.json())["active"] is False


@pytest.mark.parametrize(
    ("phone", "reason", "message"),
    [
        (
            "+7 727 250 00 00",
            "not_mobile",
            "Это не мобильный номер: SMS приходят только на мобильный.",
        ),
        ("+7 912 345 67 89", "not_kz_kg", "Нужен мобильный номер Казахстана или Кыргызстана."),
        ("позвоните маме", "not_a_phone_number", "Это не похоже на номер телефона."),
    ],
)
async def test_a_phone_that_cannot_get_our_sms_is_refused_in_the_parent_s_language(
    api: Api, phone: str, reason: str, message: str
) -> None:
    body = {"phone": phone, "types": ["homework"], "language": "ru"}
    r = await api.call("PUT", SUB, json=body)
    assert r.status == 422
    error = (await r.json())["error"]
    assert error["code"] == "invalid_phone"
    assert error["message"] == message
    assert error["details"] == [{"field": "phone", "message": message, "reason": reason}]


async def test_the_phone_error_speaks_kazakh_to_a_kazakh_speaking_parent(api: Api) -> None:
    body = {"phone": "+7 912 345 67 89", "types": ["homework"], "language": "kk"}
    error = (await (await api.call("PUT", SUB, json=body)).json())["error"]
    assert error["message"] == "Қазақстан немесе Қырғызстан ұялы нөмірі керек."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": KZ_PHONE, "types": [], "language": "ru"}, "types"),
        ({"phone": KZ_PHONE, "types": ["sports"], "language": "ru"}, "types.0"),
        ({"phone": KZ_PHONE, "types": ["homework"], "language": "en"}, "language"),
        ({"types": ["homework"], "language": "ru"}, "phone"),
        ({"phone": KZ_PHONE, "types": ["homework"], "language": "ru", "admin": True}, "admin"),
    ],
)
async def test_invalid_subscriptions_are_refused_field_by_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    r = await api.call("PUT", SUB, json=body)
    assert r.status == 422
    error = (await r.json())["error"]
    assert error["code"] == "invalid_input"
    assert field in [d["field"] for d in error["details"]]


async def test_a_body_that_is_not_json_is_a_bad_request(api: Api) -> None:
    r = await api.call(
        "PUT", SUB, data=b'{"phone": "+7701', headers={"Content-Type": "application/json"}
    )
    assert r.status == 400
    assert (await r.json())["error"]["code"] == "invalid_json"


async def test_an_unknown_notification_type_in_the_path_is_invalid(api: Api) -> None:
    r = await api.call("DELETE", SUB + "/types/sports")
    assert r.status == 422
    assert (await r.json())["error"]["details"][0]["field"] == "type"


async def test_an_id_with_a_nul_character_is_simply_not_found(api: Api) -> None:
    assert (await api.call("GET", "/api/v1/children/p%00/subscription")).status == 404
    r = await api.call("GET", "/api/v1/messages?pupil_id=%00")
    assert r.status == 422
    assert (await r.json())["error"]["details"][0]["field"] == "pupil_id"


async def test_a_misspelt_query_parameter_is_refused_not_ignored(api: Api) -> None:
    r = await api.call("GET", "/api/v1/children?limt=5")
    assert r.status == 422
    assert (await r.json())["error"]["details"] == [
        {"field": "limt", "message": "unknown query parameter"}
    ]


async def test_a_phone_verified_through_the_internal_api_stays_verified_on_save(api: Api) -> None:
    token = api.settings.internal_api_token
    assert token is not None
    body = {"parent_id": "par-1", "pupil_id": "p-aida", "phone": KZ_PHONE, "types": ["homework"],
            "language": "ru", "consent": asserted_consent("par-1")}  # fmt: skip
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
    assert (await api.client.put("/internal/v1/subscriptions", json=body, headers=headers)).ok
    saved = await api.subscribe(types=["homework", "announcements"])
    assert saved["phone_verified"] is True
    assert await _count(api, "SELECT count(*) FROM phone_verifications") == 0  # no code sent
