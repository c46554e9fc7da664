"""The core system streams its subscriptions and opening balances (NDJSON) to the internal API:
the same use case as `notifier import`, answered with what went in and each bad line."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import ClientResponse

from tests.e2e.api_support import Api
from tests.integration.ledger_checks import assert_ledger_invariants

pytest_plugins = ("tests.e2e.api_fixtures",)

AT = "2024-09-01T10:00:00+05:00"
SUBSCRIPTION = {"parent_id": "par-1", "pupil_id": "p-aida", "phone": "8 701 123 45 67",
                "types": ["homework"], "language": "ru", "consent_source": "core",
                "consent_at": AT, "phone_verified_by_core": True}  # fmt: skip


async def _stream(lines: list[object]) -> AsyncIterator[bytes]:
    for line in lines:  # one chunk a line: the server reads the body as it arrives
        yield ((line if isinstance(line, str) else json.dumps(line)) + "\n").encode()


async def _send(api: Api, kind: str, lines: list[object], **query: object) -> ClientResponse:
    token = api.settings.internal_api_token
    assert token is not None
    return await api.client.post(
        f"/internal/v1/imports/{kind}", data=_stream(lines), params={"id": "s-1", **query},
        headers={"Authorization": f"Bearer {token.get_secret_value()}",
                 "Content-Type": "application/x-ndjson"},
    )  # fmt: skip


async def test_a_streamed_subscription_goes_in_verified_and_a_bad_line_is_answered(
    api: Api,
) -> None:
    unlinked = SUBSCRIPTION | {"pupil_id": "p-nur"}
    sent = await _send(api, "subscriptions", [SUBSCRIPTION, "{oops", unlinked])
    assert sent.status == 200, await sent.text()
    body = await sent.json()
    assert (body["imported"], body["rejected"]) == (1, 2)
    assert [r["line"] for r in body["rejects"]] == [2, 3]
    assert "not linked to parent par-1" in body["rejects"][1]["reason"]
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        row = await conn.fetchrow("SELECT phone, phone_verified_at FROM subscriptions")
        assert row["phone"] == "+77011234567"
        assert row["phone_verified_at"] is not None
    finally:
        await conn.close()


async def test_a_stream_sent_again_under_its_id_changes_nothing(api: Api) -> None:
    lines: list[object] = [
        {"parent_id": f"par-{i}", "currency": "KZT", "amount": 100_00, "reference": f"r-{i}"}
        for i in range(5)
    ]
    first = await (await _send(api, "balances", lines, batch_size=2)).json()
    again = await (await _send(api, "balances", lines, batch_size=2)).json()
    assert (first["imported"], again["imported"], again["resumed_batches"]) == (5, 0, 3)
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        assert await conn.fetchval("SELECT sum(posted) FROM ledger_accounts") == 500_00
        await assert_ledger_invariants(conn)
    finally:
        await conn.close()


async def test_the_import_endpoints_are_in_the_internal_openapi_document(api: Api) -> None:
    doc = await (await api.client.get("/internal/v1/openapi.json")).json()
    post = doc["paths"]["/internal/v1/imports/balances"]["post"]
    assert "application/x-ndjson" in post["requestBody"]["content"]
