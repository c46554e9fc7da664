"""Who may see what: a parent only their own children and money, staff only their school,
nobody anything without a valid token. Another parent's ids look exactly like unknown ones."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from notifier.http.api import TABLE
from tests.e2e.api_support import KG_PHONE, Api

pytest_plugins = ("tests.e2e.api_fixtures",)

THEIRS = "/api/v1/children/p-nur/subscription"
BODY = {"phone": "+77011234567", "types": ["homework"], "language": "ru"}
PUPIL_ROUTES = [
    ("GET", THEIRS, None),
    ("PUT", THEIRS, BODY),
    ("DELETE", THEIRS, None),
    ("DELETE", THEIRS + "/types/homework", None),
    ("GET", "/api/v1/messages?pupil_id=p-nur", None),
]


@pytest.fixture
async def theirs(api: Api) -> dict[str, Any]:
    """Parent par-2's subscription for their child p-nur, as they saved it."""
    return await api.subscribe("p-nur", "par-2", phone=KG_PHONE, language="ky")


@pytest.mark.parametrize(("method", "path", "body"), PUPIL_ROUTES)
async def test_another_parent_s_child_is_not_found_and_untouched(
    api: Api, theirs: dict[str, Any], method: str, path: str, body: Any
) -> None:
    r = await api.call(method, path, "par-1", json=body)
    assert r.status == 404
    unknown = await api.call(method, path.replace("p-nur", "p-nobody"), "par-1", json=body)
    assert await r.json() == await unknown.json()  # no hint that p-nur exists
    assert await (await api.call("GET", THEIRS, "par-2")).json() == theirs


async def test_another_parent_s_money_and_messages_stay_invisible(api: Api) -> None:
    await api.subscribe()  # par-1 gets a code SMS: a message of theirs
    await api.code_sent_to("+77011234567")
    for path in ("/api/v1/messages", "/api/v1/balance/statement"):
        assert (await (await api.call("GET", path, "par-2")).json())["items"] == []
    assert (await (await api.call("GET", "/api/v1/balance", "par-2")).json())["available"] == 0
    children = await (await api.call("GET", "/api/v1/children", "par-2")).json()
    assert [c["pupil_id"] for c in children["items"]] == ["p-nur"]


def _signed_in_operations() -> list[tuple[str, str]]:
    """This module's routes (other teams' /api/v1 routes have their own tests)."""
    return [
        (
            route.method,
            route.path.replace("{pupil_id}", "p-aida")
            .replace("{type}", "homework")
            .replace("{announcement_id}", "a-1"),
        )
        for route in TABLE
        if route.roles
    ]


async def test_every_signed_in_route_refuses_a_missing_token(api: Api) -> None:
    operations = _signed_in_operations()
    assert len(operations) >= 11
    for method, path in operations:
        r = await api.client.request(method, path, json={})
        assert r.status == 401, (method, path)
        assert (await r.json())["error"]["code"] == "unauthorized"


async def test_expired_and_forged_tokens_are_refused_over_http(api: Api) -> None:
    secret = api.settings.jwt_hs256_secret
    assert secret is not None
    now = int(time.time())
    claims = {"sub": "par-1", "role": "parent", "iss": "e-school", "aud": "school-notifier"}
    expired = jwt.encode({**claims, "exp": now - 3600}, secret.get_secret_value(), "HS256")
    unsigned = jwt.encode({**claims, "exp": now + 3600}, None, algorithm="none")
    for token in (expired, unsigned, "garbage"):
        r = await api.client.get("/api/v1/children", headers={"Authorization": f"Bearer {token}"})
        assert r.status == 401
        assert (await r.json())["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("role", ["school_admin", "finance", "ops", "service"])
async def test_staff_tokens_cannot_act_as_a_parent(api: Api, role: str) -> None:
    headers = api.auth("par-1", role, "sch-1")  # type: ignore[arg-type]
    r = await api.client.get("/api/v1/children/p-aida/subscription", headers=headers)
    assert r.status == 403
