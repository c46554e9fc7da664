"""Consent records: every subscription change is recorded, and a school administrator can
export them per phone, for the pupils of their own school only."""

from __future__ import annotations

import csv
import io

import asyncpg
import pytest

from tests.e2e.api_support import KZ_PHONE, Api
from tests.support import asserted_consent

pytest_plugins = ("tests.e2e.api_fixtures",)

EXPORT = "/api/v1/admin/consents/search"


def _admin(api: Api, school: str = "sch-1") -> dict[str, str]:
    return api.auth("adm-1", "school_admin", school)


async def _history(api: Api) -> None:
    headers = {"User-Agent": "Mozilla/5.0 (Android 14) diary-app"}
    await api.subscribe(types=["homework"], headers=headers)
    await api.subscribe(types=["homework", "weekly_grades"], headers=headers)
    await api.call("DELETE", "/api/v1/children/p-aida/subscription", headers=headers)


async def test_every_change_records_who_what_when_and_from_where(api: Api) -> None:
    await _history(api)
    r = await api.client.post(EXPORT, json={"phone": "8 701 123 45 67"}, headers=_admin(api))
    assert r.status == 200
    body = await r.json()
    assert body["phone"] == KZ_PHONE
    seen = [(i["action"], i["types"], i["actor"], i["pupil_id"]) for i in body["items"]]
    assert seen == [
        ("subscribe", ["homework"], "par-1", "p-aida"),
        ("update", ["homework", "weekly_grades"], "par-1", "p-aida"),
        ("unsubscribe", [], "par-1", "p-aida"),
    ]
    first = body["items"][0]
    assert first["ip"] == "127.0.0.1"
    assert first["user_agent"] == "Mozilla/5.0 (Android 14) diary-app"
    assert first["language"] == "ru"
    assert first["phone"] == KZ_PHONE


async def test_the_export_downloads_as_csv(api: Api) -> None:
    await _history(api)
    params = {"phone": KZ_PHONE, "format": "csv"}
    r = await api.client.post(EXPORT, json=params, headers=_admin(api))
    assert r.status == 200
    assert r.content_type == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await r.text())))
    assert [row["action"] for row in rows] == ["subscribe", "update", "unsubscribe"]
    assert rows[1]["types"] == "homework weekly_grades"
    assert rows[0]["phone"] == KZ_PHONE


async def test_another_school_s_admin_sees_none_of_them(api: Api) -> None:
    await _history(api)
    r = await api.client.post(EXPORT, json={"phone": KZ_PHONE}, headers=_admin(api, "sch-2"))
    assert r.status == 200
    assert (await r.json())["items"] == []
    params = {"phone": KZ_PHONE, "format": "csv"}
    csv_text = await (
        await api.client.post(EXPORT, json=params, headers=_admin(api, "sch-2"))
    ).text()
    assert len(csv_text.strip().splitlines()) == 1  # the header alone


@pytest.mark.parametrize("role", ["parent", "finance", "ops"])
async def test_only_school_administrators_may_export(api: Api, role: str) -> None:
    headers = api.auth("someone", role)  # type: ignore[arg-type]
    r = await api.client.post(EXPORT, json={"phone": KZ_PHONE}, headers=headers)
    assert r.status == 403


async def test_the_export_needs_a_valid_phone(api: Api) -> None:
    r = await api.client.post(EXPORT, json={"phone": "12"}, headers=_admin(api))
    assert r.status == 422
    assert (await r.json())["error"]["code"] == "invalid_phone"
    r = await api.client.post(EXPORT, json={}, headers=_admin(api))
    assert r.status == 422


async def test_consent_records_cannot_be_changed_or_deleted(api: Api) -> None:
    await api.subscribe()
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        for sql in ("UPDATE consent_records SET actor = 'x'", "DELETE FROM consent_records"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
        assert await conn.fetchval("SELECT count(*) FROM consent_records") == 1
    finally:
        await conn.close()


async def test_a_subscription_from_the_core_system_records_the_consent_it_asserts(
    api: Api,
) -> None:
    token = api.settings.internal_api_token
    assert token is not None
    internal = {"Authorization": f"Bearer {token.get_secret_value()}"}
    body = {"parent_id": "par-1", "pupil_id": "p-aida", "phone": KZ_PHONE, "types": ["homework"],
            "language": "ru"}  # fmt: skip
    r = await api.client.put("/internal/v1/subscriptions", json=body, headers=internal)
    assert r.status == 422, "a subscription without the consent behind it is refused"
    assert (await r.json())["error"]["details"][0]["field"] == "consent"
    body["consent"] = asserted_consent("par-1", source="paper form 2026/118")
    for _ in range(2):  # the same PUT again records nothing new
        r = await api.client.put("/internal/v1/subscriptions", json=body, headers=internal)
        assert r.status == 200, await r.text()
    r = await api.client.post(EXPORT, json={"phone": KZ_PHONE}, headers=_admin(api))
    [record] = (await r.json())["items"]
    assert (record["action"], record["actor"], record["source"], record["types"]) == (
        "subscribe", "par-1", "paper form 2026/118", ["homework"],
    )  # fmt: skip
    assert record["consented_at"] == "2026-09-01T04:30:00Z"
    document = await (await api.client.get("/internal/v1/openapi.json")).json()
    consent = document["components"]["schemas"]["ConsentIn"]
    assert set(consent["required"]) == {"given_by", "given_at", "source"}
