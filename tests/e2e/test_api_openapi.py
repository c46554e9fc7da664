"""The served OpenAPI document is valid and covers every /api/v1 route the app has."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)


async def test_the_openapi_document_is_valid_openapi_3_1(api: Api) -> None:
    r = await api.client.get("/api/v1/openapi.json")
    assert r.status == 200
    document = await r.json()
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_every_api_route_is_documented_with_its_method(api: Api) -> None:
    document = await (await api.client.get("/api/v1/openapi.json")).json()
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    routed = {
        (route.method, re.sub(r"{(\w+)(:[^}]*)?}", r"{\1}", route.resource.canonical))
        for route in api.client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/v1/")
        and route.method != "HEAD"
    }
    assert routed <= documented
    assert ("PUT", "/api/v1/children/{pupil_id}/subscription") in documented


async def test_signed_in_routes_declare_bearer_auth_and_their_error_model(api: Api) -> None:
    document = await (await api.client.get("/api/v1/openapi.json")).json()
    put = document["paths"]["/api/v1/children/{pupil_id}/subscription"]["put"]
    assert put["security"] == [{"bearerAuth": []}]
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SubscriptionIn"
    }
    assert set(put["responses"]) >= {"200", "400", "401", "404", "422"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "security" not in document["paths"]["/api/v1/openapi.json"]["get"]
