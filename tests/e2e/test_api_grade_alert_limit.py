"""A parent chooses through the API how many instant grade SMS a child may bring a day."""

from __future__ import annotations

from tests.e2e.api_support import Api

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
