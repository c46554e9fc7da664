"""Crafted paging cursors on every paged list: a 422 naming the cursor, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)

PAGED = ["/api/v1/balance/statement", "/api/v1/messages", "/api/v1/top-ups"]
CRAFTED = [
    [2**63],
    [10**40],
    ["0001-01-01T00:00:00+23:59", 1],
    ["9999-12-31T23:59:59-23:59", 1],
    ["0001-01-01T00:00:00+23:59", "00000000-0000-0000-0000-000000000000"],
    ["9999-12-31T23:59:59-23:59", "00000000-0000-0000-0000-000000000000"],
    ["2026-11-23T09:00:00+00:00", 2**63],
    ["2026-11-23T09:00:00+00:00", "x\u0000"],
]


def _cursor(key: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("path", PAGED)
async def test_a_crafted_cursor_is_refused_on_every_paged_list(api: Api, path: str) -> None:
    await api.subscribe()
    for key in CRAFTED:
        r = await api.call("GET", path, params={"cursor": _cursor(key)})
        assert r.status == 422, (path, key, await r.text())
        details = (await r.json())["error"]["details"]
        assert [d["field"] for d in details] == ["cursor"]
