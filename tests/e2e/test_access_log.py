"""The HTTP access log: one line per request with the path and the names of query
parameters, never their values (phone numbers, one-click unsubscribe tokens)."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.api_support import KZ_PHONE, Api

pytest_plugins = ("tests.e2e.api_fixtures",)

TOKEN = "eyJzZWNyZXQiOiJ1bnN1YnNjcmliZS1tZSJ9.c2lnbmF0dXJlLW9mLWEtYmVhcmVyLWxpbms"


async def test_query_values_never_reach_the_access_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    await api.client.get("/unsubscribe", params={"token": TOKEN})
    await api.call("GET", "/api/v1/admin/consents", params={"phone": KZ_PHONE})
    await api.call("GET", "/api/v1/messages", params={"cursor": "MTIzNDU2Nzg5"})
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 3
    logged = "\n".join(lines)
    for secret in (TOKEN, KZ_PHONE, KZ_PHONE[1:], "1234567", "MTIzNDU2Nzg5"):
        assert secret not in logged
    assert "GET /unsubscribe?token=…" in logged
    assert "/api/v1/messages?cursor=…" in logged


async def test_a_consent_search_carries_the_phone_in_its_body_not_its_url(api: Api) -> None:
    document = await (await api.client.get("/api/v1/openapi.json")).json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            assert "phone" not in names, path
