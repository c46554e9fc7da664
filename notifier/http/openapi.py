"""Declarative /api/v1 routes: one table gives both the aiohttp routes and the OpenAPI 3.1 document.

    TABLE = [ApiRoute("GET", "/api/v1/children", list_children, "The parent's children",
                      response=ChildrenOut, roles=("parent",))]
    app.add_routes(api_routes(TABLE))

Handlers stay plain aiohttp handlers (`async def h(request) -> web.StreamResponse`); the table
only says what they take and return. `documented_routes(app)` finds every route wired through
`api_routes`, so the served document always matches what the app actually routes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from notifier.http.auth import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)(?::[^}]*)?}")  # aiohttp's {name} or {name:regex}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """Every error: {"error": {"code", "message", "details"?}}.

    422 details are [{"field", "message"}]."""

    error: ErrorDetail


@dataclass(frozen=True)
class ApiRoute:
    """One documented route. `roles=()` means no sign-in; `errors` adds statuses beyond the
    ones implied (401/403 with roles, 400/422 with a body, 422 with a query, 404 with path
    parameters). `media` lists extra response media types (e.g. "text/csv")."""

    method: Method
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    path_params: type[BaseModel] | None = None  # schemas of path parameters (default: string)
    roles: tuple[Role, ...] = ("parent",)
    errors: tuple[int, ...] = ()
    media: tuple[str, ...] = ()
    tag: str = "parents"
    body_media: str = "application/json"  # e.g. "application/x-ndjson": one `body` a line


def api_routes(table: Sequence[ApiRoute]) -> list[web.RouteDef]:
    return [web.route(r.method, r.path, functools.partial(_serve, r)) for r in table]


async def _serve(route: ApiRoute, request: web.Request) -> web.StreamResponse:
    return await route.handler(request)


def documented_routes(app: web.Application) -> list[ApiRoute]:
    """The ApiRoutes wired into `app` through `api_routes`, in registration order."""
    found = []
    for route in app.router.routes():
        handler = route.handler
        if isinstance(handler, functools.partial) and handler.func is _serve:
            found.append(handler.args[0])
    return found


def openapi_document(routes: Sequence[ApiRoute], *, title: str, version: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document; schemas generated from the routes' pydantic models."""
    refs, defs = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = _PATH_PARAM.sub(r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


SchemaKey = tuple[type[BaseModel], JsonSchemaMode]


def _schemas(routes: Sequence[ApiRoute]) -> tuple[dict[SchemaKey, Any], dict[str, Any]]:
    wanted: list[SchemaKey] = [(ErrorOut, "serialization")]
    for r in routes:
        wanted += [(r.body, "validation")] if r.body else []
        wanted += [(r.response, "serialization")] if r.response else []
    unique = list(dict.fromkeys(wanted))
    refs, defs = models_json_schema(unique, ref_template=REF_TEMPLATE)
    return {key: refs[key] for key in unique}, defs


def _operation(route: ApiRoute, refs: dict[SchemaKey, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{route.method.lower()}_{route.handler.__name__}",
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": _parameters(route),
        "responses": _responses(route, refs),
    }
    if route.roles:
        op["security"] = [{"bearerAuth": []}]
    if route.body:
        schema = refs[(route.body, "validation")]
        op["requestBody"] = {"required": True, "content": {route.body_media: {"schema": schema}}}
    return op


def _parameters(route: ApiRoute) -> list[dict[str, Any]]:
    typed = _properties(route.path_params)[0] if route.path_params else {}
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": typed.get(name, {"type": "string"}),
        }
        for name in _PATH_PARAM.findall(route.path)
    ]
    if route.query:
        props, required = _properties(route.query)
        params += [
            {"name": name, "in": "query", "required": name in required,
             "schema": _without_null(prop)}
            for name, prop in props.items()
        ]  # fmt: skip
    return params


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot say null: an optional parameter is absent instead (its default),
    so `str | None` is documented as the string alone."""
    kinds = prop.get("anyOf")
    if not kinds or {"type": "null"} not in kinds:
        return prop
    rest = [k for k in kinds if k != {"type": "null"}]
    others = {key: value for key, value in prop.items() if key != "anyOf"}
    if others.get("default", 0) is None:
        del others["default"]
    return {**rest[0], **others} if len(rest) == 1 else {"anyOf": rest, **others}


def _properties(model: type[BaseModel]) -> tuple[dict[str, Any], set[str]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    return schema["properties"], set(schema.get("required", []))


def _responses(route: ApiRoute, refs: dict[SchemaKey, Any]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK"}
    content = (
        {"application/json": {"schema": refs[(route.response, "serialization")]}}
        if route.response
        else {}
    )
    content |= {media: {"schema": {"type": "string"}} for media in route.media}
    if content:
        success["content"] = content
    error = {"content": {"application/json": {"schema": refs[(ErrorOut, "serialization")]}}}
    responses: dict[str, Any] = {str(route.status): success}
    for status in sorted(_error_statuses(route)):
        responses[str(status)] = {"description": _REASONS.get(status, "Error"), **error}
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": _RETRY_AFTER}
    return responses


def _error_statuses(route: ApiRoute) -> set[int]:
    statuses = set(route.errors)
    statuses |= {401, 403} if route.roles else set()
    statuses |= {400, 422} if route.body else set()
    statuses |= {422} if route.query else set()
    statuses |= {404} if _PATH_PARAM.search(route.path) else set()
    return statuses


_RETRY_AFTER = {
    "description": "seconds to wait before trying again",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_REASONS = {
    400: "Unparsable JSON",
    401: "Missing or invalid bearer token",
    403: "Role not allowed",
    404: "Not found (or not yours)",
    409: "Conflict",
    410: "Gone",
    422: "Invalid input",
    429: "Too many requests (see Retry-After)",
    503: "Not configured, or a service it needs is unavailable",
}
