"""A parent chooses through the API how many instant grade SMS a child may bring a day."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse

from tests.e2e.api_support import KZ_PHONE, Api
from tests.support import asserted_consent

pytest_plugins = ("tests.e2e.api_fixtures",)
PATH = "/api/v1/children/p-aida/subscription"


async def test_the_daily_limit_is_saved_with_the_subscription(api: Api) -> None:
    saved = await api.subscribe(types=["grade_instant"], grade_alerts_per_day=1)
    assert saved["grade_alerts_per_day"] == 1
    r = await api.call("GET", PATH, "par-1")
    assert (await r.json())["grade_alerts_per_day"] == 1
    again = await api.subscribe(types=["grade_instant"])
    assert again["grade_alerts_per_day"] == 3  # left out: the documented default


async def test_a_limit_outside_one_to_ten_is_refused(api: Api) -> None:
    for wrong in (0, 11, "three"):
        body = {"phone": "+77011234567", "types": ["grade_instant"], "language": "ru",
                "grade_alerts_per_day": wrong}  # fmt: skip
        r = await api.call("PUT", PATH, "par-1", json=body)
        assert r.status == 422, wrong


async def test_the_openapi_document_describes_the_limit(api: Api) -> None:
    document = await (await api.client.get("/api/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]
    field = schemas["SubscriptionIn"]["properties"]["grade_alerts_per_day"]
    assert (field["default"], field["minimum"], field["maximum"]) == (3, 1, 10)
    assert "next day" in field["description"]
    answers = [s for s in schemas.values() if "grade_alerts_per_day" in s.get("required", [])]
    assert answers  # and every subscription answer carries it


INTERNAL = "/internal/v1/subscriptions"


def _internal(api: Api) -> dict[str, str]:
    token = api.settings.internal_api_token
    assert token is not None
    return {"Authorization": f"Bearer {token.get_secret_value()}"}


async def _put_internal(api: Api, **extra: Any) -> ClientResponse:
    body = {"parent_id": "par-1", "pupil_id": "p-aida", "phone": KZ_PHONE,
            "types": ["grade_instant"], "language": "ru",
            "consent": asserted_consent("par-1")} | extra  # fmt: skip
    return await api.client.put(INTERNAL, json=body, headers=_internal(api))


async def test_the_core_diary_sets_the_same_limit_through_the_internal_api(api: Api) -> None:
    r = await _put_internal(api, grade_alerts_per_day=2)
    assert r.status == 200, await r.text()
    assert (await r.json())["grade_alerts_per_day"] == 2
    page = await (await api.call("GET", PATH, "par-1")).json()
    assert page["grade_alerts_per_day"] == 2  # the parent sees on the page what the core set
    for wrong in (0, 11, "three"):
        assert (await _put_internal(api, grade_alerts_per_day=wrong)).status == 422, wrong


async def test_an_internal_put_without_the_limit_keeps_the_parent_s_choice(api: Api) -> None:
    assert (await _put_internal(api)).status == 200
    listed = await api.client.get(INTERNAL, params={"parent_id": "par-1"}, headers=_internal(api))
    assert [s["grade_alerts_per_day"] for s in (await listed.json())["items"]] == [3]
    await api.subscribe(types=["grade_instant"], grade_alerts_per_day=1)  # on the page
    again = await _put_internal(api, types=["grade_instant", "homework"])
    assert ((await again.json())["grade_alerts_per_day"], (await again.json())["types"]) == (
        1,
        ["grade_instant", "homework"],
    )


async def test_the_internal_openapi_document_describes_the_limit(api: Api) -> None:
    document = await (await api.client.get("/internal/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]
    field = schemas["SubscriptionIn"]["properties"]["grade_alerts_per_day"]
    limits = [(o.get("minimum"), o.get("maximum")) for o in field["anyOf"] if "minimum" in o]
    assert limits == [(1, 10)]
    assert "next day" in field["description"]
    assert "kept as it is" in field["description"]
    assert "grade_alerts_per_day" in schemas["SubscriptionOut"]["required"]
