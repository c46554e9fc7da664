"""The internal API as the core e-school system uses it: credits that conflict, ids it could
never have sent, and its own OpenAPI document."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import ClientResponse
from openapi_spec_validator import validate

from notifier.http.money import UNIT
from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)


def _auth(api: Api) -> dict[str, str]:
    token = api.settings.internal_api_token
    assert token is not None
    return {"Authorization": f"Bearer {token.get_secret_value()}"}


async def _credit(api: Api, parent_id: str, **body: Any) -> ClientResponse:
    wanted = {"amount": 1000_00, "currency": "KZT", "reference": "crm-1"} | body
    path = f"/internal/v1/wallets/{parent_id}/credits"
    return await api.client.post(path, json=wanted, headers=_auth(api))


async def _wallets(api: Api) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        rows = await conn.fetch(
            "SELECT owner, currency FROM ledger_accounts WHERE kind = 'wallet' ORDER BY owner"
        )
    finally:
        await conn.close()
    return [(r["owner"], r["currency"]) for r in rows]


async def test_a_credit_is_made_once_and_repeating_it_answers_200(api: Api) -> None:
    first = await _credit(api, "par-1")
    again = await _credit(api, "par-1")
    assert (first.status, again.status) == (201, 200)
    assert (await again.json())["available"] == 1000_00


async def test_a_reference_of_another_parent_is_a_conflict_and_opens_no_wallet(api: Api) -> None:
    assert (await _credit(api, "par-1")).status == 201
    stolen = await _credit(api, "par-2", currency="KGS")
    assert stolen.status == 409, await stolen.text()
    assert (await stolen.json())["error"]["code"] == "reference_conflict"
    # par-2's currency is not fixed by an empty wallet: a later KGS credit still works.
    assert await _wallets(api) == [("par-1", "KZT")]
    assert (await _credit(api, "par-2", currency="KGS", reference="crm-2")).status == 201


async def test_a_credit_takes_an_integer_of_minor_units_and_nothing_else(api: Api) -> None:
    """A string "1000.00" used to credit 1000 tiyn: 10.00 KZT, a hundredth of what was meant."""
    for amount in ("1000.00", "100000", 100000.0, 1000.5, True):
        r = await _credit(api, "par-1", amount=amount)
        assert r.status == 422, amount
        [detail] = (await r.json())["error"]["details"]
        assert detail == {"field": "amount", "message": UNIT}
    assert await _wallets(api) == []
    document = await (await api.client.get("/internal/v1/openapi.json")).json()
    amount = document["components"]["schemas"]["CreditIn"]["properties"]["amount"]
    assert (amount["type"], amount["description"]) == ("integer", UNIT)


async def test_a_credit_to_a_parent_the_roster_does_not_know_is_refused_unless_asked(
    api: Api,
) -> None:
    r = await _credit(api, "par-nobody")
    assert r.status == 404, await r.text()
    assert (await r.json())["error"]["code"] == "unknown_parent"
    assert await _wallets(api) == []
    r = await _credit(api, "par-nobody", allow_unknown_parent=True)
    assert (r.status, (await r.json())["available"]) == (201, 1000_00)


async def test_the_same_reference_with_another_amount_is_a_conflict(api: Api) -> None:
    assert (await _credit(api, "par-1")).status == 201
    other = await _credit(api, "par-1", amount=5_00)
    assert other.status == 409
    wallet = await api.client.get("/internal/v1/wallets/par-1", headers=_auth(api))
    assert (await wallet.json())["available"] == 1000_00


async def test_ids_with_nul_are_refused_not_a_server_error(api: Api) -> None:
    auth = _auth(api)
    assert (await api.client.get("/internal/v1/wallets/par%001", headers=auth)).status == 404
    assert (await _credit(api, "par%001")).status == 404
    listed = await api.client.get(
        "/internal/v1/subscriptions", params={"parent_id": "par\x001"}, headers=auth
    )
    assert listed.status == 422
    body = {"parent_id": "par\x001", "pupil_id": "p-aida", "phone": "+77011234567",
            "types": ["homework"], "language": "ru"}  # fmt: skip
    put = await api.client.put("/internal/v1/subscriptions", json=body, headers=auth)
    assert put.status == 422, await put.text()
    assert (await _credit(api, "par-1", reference="crm\x00")).status == 422
    assert await _wallets(api) == []


async def test_the_internal_api_has_its_own_valid_openapi_document(api: Api) -> None:
    r = await api.client.get("/internal/v1/openapi.json")
    assert r.status == 200
    document = await r.json()
    validate(document)
    assert set(document["paths"]) == {
        "/internal/v1/delivery-reports",
        "/internal/v1/incoming-sms",
        "/internal/v1/subscriptions",
        "/internal/v1/wallets/{parent_id}/credits",
        "/internal/v1/wallets/{parent_id}",
        "/internal/v1/schools/{school_id}/digest-settings",  # the weekly digest's
        "/internal/v1/schools/{school_id}/holidays",
        "/internal/v1/schools/{school_id}/holidays/{week}",
        "/internal/v1/schools/{school_id}/digests/{week}",
        "/internal/v1/imports/subscriptions",  # onboarding a country
        "/internal/v1/imports/balances",
    }
    public = await (await api.client.get("/api/v1/openapi.json")).json()
    assert not [p for p in public["paths"] if p.startswith("/internal/")]


async def test_a_non_ascii_token_is_refused_not_a_server_error(api: Api) -> None:
    r = await api.client.get("/internal/v1/wallets/par-1", headers={"Authorization": "Bearer é"})
    assert r.status == 401
    r = await api.client.get("/api/v1/children", headers={"Authorization": "Bearer é.é.é"})
    assert r.status == 401


async def test_a_delivery_report_says_one_of_the_four_final_statuses(api: Api) -> None:
    document = await (await api.client.get("/internal/v1/openapi.json")).json()
    status = document["components"]["schemas"]["DeliveryReportIn"]["properties"]["status"]
    assert set(status["enum"]) == {"delivered", "undeliverable", "expired", "failed"}
    for said, expected in (("expired", 404), ("failed", 404), ("submitted", 422)):
        report = {"provider": "dev", "provider_message_id": "dev-n999", "status": said}
        r = await api.client.post("/internal/v1/delivery-reports", json=report,
                                  headers=_auth(api))  # fmt: skip
        assert r.status == expected, said  # 404: a final status, but no such SMS
