"""The top-up API's rules as a parent meets them: limits, currencies, other parents' top-ups."""

from __future__ import annotations

from datetime import timedelta

from tests.topup_support import TopUps

pytest_plugins = ("tests.topup_fixtures",)


async def test_an_amount_below_the_minimum_is_refused_with_the_allowed_range(
    topups: TopUps,
) -> None:
    response = await topups.start("par-1", 100_00)
    body = await response.json()
    assert response.status == 422
    assert body["error"]["code"] == "amount_out_of_range"
    assert "500.00 KZT" in body["error"]["message"]
    assert "100000.00 KZT" in body["error"]["message"]
    assert body["error"]["details"][0]["field"] == "amount"


async def test_an_amount_that_is_not_an_integer_of_minor_units_is_refused(topups: TopUps) -> None:
    """A string "1000.00" would have been read as 1000 tiyn: 10.00 KZT instead of 1000.00."""
    for amount in ("1000.00", "100000", 1000.0, True):
        response = await topups.client.post(
            "/api/v1/top-ups", json={"amount": amount}, headers=topups.auth("par-1")
        )
        assert response.status == 422, amount
        [detail] = (await response.json())["error"]["details"]
        assert detail["field"] == "amount"
        assert detail["message"].startswith("amount in minor units (tiyn/tyiyn), an integer")


async def test_an_amount_above_the_maximum_is_refused(topups: TopUps) -> None:
    response = await topups.start("par-1", 20_001_00, currency="KGS")
    assert response.status == 422
    assert "20000.00 KGS" in (await response.json())["error"]["message"]


async def test_the_daily_limit_stops_the_next_top_up_and_says_when_to_retry(
    topups: TopUps,
) -> None:
    await topups.started("par-1", 100_000_00)
    await topups.started("par-1", 100_000_00)
    response = await topups.start("par-1", 500_00)
    body = await response.json()
    assert response.status == 429
    assert body["error"]["code"] == "daily_limit_reached"
    assert "200000.00 KZT" in body["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert body["error"]["details"]["left"] == 0


async def test_an_unknown_gateway_is_refused(topups: TopUps) -> None:
    response = await topups.start("par-1", 1000_00, gateway="paypal")
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "gateway_unavailable"


async def test_a_parent_cannot_see_another_parents_top_up(topups: TopUps) -> None:
    created = await topups.started("par-1", 1000_00)
    response = await topups.client.get(
        f"/api/v1/top-ups/{created['id']}", headers=topups.auth("par-2")
    )
    assert response.status == 404
    listed = await topups.client.get("/api/v1/top-ups", headers=topups.auth("par-2"))
    assert (await listed.json())["items"] == []


async def test_the_list_pages_through_the_parents_top_ups_newest_first(topups: TopUps) -> None:
    ids = []
    for amount in (500_00, 600_00, 700_00):
        ids.append((await topups.started("par-1", amount))["id"])
        topups.clock.advance(timedelta(minutes=1))
    first = await (await topups.client.get(
        "/api/v1/top-ups?limit=2", headers=topups.auth("par-1"))).json()  # fmt: skip
    assert [t["id"] for t in first["items"]] == ids[:0:-1]
    rest = await (await topups.client.get(
        f"/api/v1/top-ups?limit=2&cursor={first['next_cursor']}", headers=topups.auth("par-1")
    )).json()  # fmt: skip
    assert [t["id"] for t in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None


async def test_top_ups_need_a_signed_in_parent(topups: TopUps) -> None:
    response = await topups.client.post("/api/v1/top-ups", json={"amount": 1000_00})
    assert response.status == 401
