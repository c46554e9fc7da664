"""Schools see the cost before they publish: parts per language, the parents an announcement
would reach and what it would cost them; and the school's announcements with their reach."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientResponse

from notifier.settings import Settings
from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)


@pytest.fixture
def api_settings(api_settings: Settings) -> Settings:
    return api_settings.model_copy(update={"send_window": "09:00-20:00"})


PREVIEW = "/api/v1/admin/announcements/preview"
EVENING = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)  # 21:30 in Almaty: the window is closed
MEETING = {
    "title": "Родительское собрание",
    "text": "В пятницу в 18:30 в актовом зале.",
    "audience": {"scope": "school"},
    "translations": {"kk": {"title": "Ата-аналар жиналысы", "text": "Жұмада 18:30-да."}},
}


async def _credit(api: Api, parent: str, amount: int) -> None:
    token = api.settings.internal_api_token
    assert token is not None
    r = await api.client.post(
        f"/internal/v1/wallets/{parent}/credits",
        json={"amount": amount, "currency": "KZT", "reference": f"crm-{uuid.uuid4()}"},
        headers={"Authorization": f"Bearer {token.get_secret_value()}"},
    )
    assert r.status == 201, await r.text()


async def _preview(api: Api, role: str = "school_admin", **body: Any) -> ClientResponse:
    headers = api.auth("staff-1", role, school_id="sch-1")  # type: ignore[arg-type]
    return await api.client.post(PREVIEW, json=MEETING | body, headers=headers)


async def _subscribed_parent(api: Api, credit: int) -> None:
    api.clock.at = EVENING
    await api.subscribe("p-aida", types=["announcements", "homework"], language="ru")
    await api.verify()
    await api.subscribe("p-bek", types=["announcements"], language="kk")  # same parent, phone
    if credit:
        await _credit(api, "par-1", credit)


async def test_a_preview_says_parts_reach_cost_and_when_it_would_go(api: Api) -> None:
    await _subscribed_parent(api, credit=100_00)
    r = await _preview(api)
    assert r.status == 200, await r.text()
    body = await r.json()
    languages = {x["language"]: (x["text"], x["parts"], x["fits"]) for x in body["languages"]}
    assert languages == {
        "ru": ("Родительское собрание. В пятницу в 18:30 в актовом зале.", 1, True),
        "kk": ("Ата-аналар жиналысы. Жұмада 18:30-да.", 1, True),
        "ky": ("Родительское собрание. В пятницу в 18:30 в актовом зале.", 1, True),
    }
    counts = [body[k] for k in ("targeted", "subscribed", "verified", "reached",
                                "short_of_balance", "waiting_for_window")]  # fmt: skip
    assert counts == [1, 1, 1, 1, 0, 1]  # one SMS per parent and phone, as publishing does
    assert body["costs"] == [{"currency": "KZT", "amount": 20_00, "display": "20.00 KZT"}]
    opens = datetime.fromisoformat(body["window_opens_at"])
    assert opens == datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 09:00 in Almaty


async def test_parents_whose_balance_does_not_cover_it_are_counted_apart(api: Api) -> None:
    await _subscribed_parent(api, credit=0)
    body = await (await _preview(api, role="teacher", urgent=False)).json()
    assert (body["verified"], body["reached"], body["short_of_balance"]) == (1, 0, 1)
    assert body["costs"] == []


async def test_a_long_text_says_it_would_not_fit(api: Api) -> None:
    r = await _preview(api, text="Очень длинное объявление. " * 12)
    ru = next(x for x in (await r.json())["languages"] if x["language"] == "ru")
    assert (ru["parts"], ru["fits"]) == (5, False)


async def test_only_staff_of_the_school_may_preview(api: Api) -> None:
    parent = await api.client.post(PREVIEW, json=MEETING, headers=api.auth("par-1"))
    assert parent.status == 403
    foreign = await _preview(api, audience={"scope": "class", "class_ids": ["c-3b"]})
    assert foreign.status == 422
    assert (await foreign.json())["error"]["code"] == "invalid_audience"


async def test_the_school_lists_its_announcements_with_their_reach(api: Api) -> None:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        for n, school in enumerate(("sch-1", "sch-1", "sch-2")):
            await conn.execute(
                "INSERT INTO announcements (id, event_id, school_id, author_id, author_role,"
                " scope, title, urgent, targeted, subscribed, published_at, applied_at)"
                " VALUES ($1, $2, $3, 't-1', 'teacher', 'school', $4, false, 10, 4, $5, $5)",
                f"a-{n}", uuid.uuid4(), school, f"Собрание {n}",
                EVENING + timedelta(hours=n),
            )  # fmt: skip
    finally:
        await conn.close()
    headers = api.auth("t-1", "teacher", school_id="sch-1")
    first = await (
        await api.client.get("/api/v1/admin/announcements?limit=1", headers=headers)
    ).json()
    assert [(a["announcement_id"], a["targeted"], a["subscribed"]) for a in first["items"]] == [
        ("a-1", 10, 4)
    ]
    path = f"/api/v1/admin/announcements?limit=1&cursor={first['next_cursor']}"
    second = await (await api.client.get(path, headers=headers)).json()
    assert [a["announcement_id"] for a in second["items"]] == ["a-0"]
    assert second["next_cursor"] is None


async def test_both_routes_are_in_the_openapi(api: Api) -> None:
    doc = await (await api.client.get("/api/v1/openapi.json")).json()
    assert "post" in doc["paths"][PREVIEW]
    assert "get" in doc["paths"]["/api/v1/admin/announcements"]
