"""Schema fuzzing: schemathesis generates requests from the live /api/v1/openapi.json of a
running service (valid and invalid ones) and checks every answer: never a server error and,
for the parents' Notification Manager routes and the ops console's, status, content type,
headers and body as the document says and invalid requests refused. Other teams' /api/v1
routes in the document are fuzzed for server errors only (their own tests hold their
contracts)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from notifier.http import ops
from notifier.http.api import TABLE
from notifier.http.auth import Role
from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)

MAX_EXAMPLES = 30


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_: Any, value: Any) -> bytes:
    """The internal import streams: a generated line becomes a stream of one line."""
    return (json.dumps(value) + "\n").encode()


CONFORMANCE: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def fuzz(
    base_url: str,
    headers: dict[str, str],
    document: str = "/api/v1/openapi.json",
    examples: int = MAX_EXAMPLES,
) -> list[str]:
    """Run every operation in both modes; returns a report line per failing operation."""
    schema = schemathesis.openapi.from_url(f"{base_url}{document}")
    failures: list[str] = []
    ours = {(route.method, route.path) for route in [*TABLE, *ops.TABLE]}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            checks = _checks(mode, (operation.method.upper(), operation.path) in ours)
            for pinned in _pinned(operation.path):
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=pinned)
                try:
                    _run(strategy, base_url, headers, checks, examples)
                except Exception as exc:  # collected: one report for all operations
                    failures.append(f"{operation.label} [{mode.value}] {pinned}: {exc}")
    return failures


def _checks(mode: GenerationMode, ours: bool) -> list[CheckFunction]:
    if not ours:
        return [not_a_server_error]
    return [*CONFORMANCE, negative_data_rejection] if mode.is_negative else CONFORMANCE


def _pinned(path: str) -> list[dict[str, Any] | None]:
    # Random ids only reach "not found"; a linked child's id reaches the real work too.
    return [None, {"pupil_id": "p-aida"}] if "{pupil_id}" in path else [None]


def _run(
    strategy: Any, base_url: str, headers: dict[str, str], checks: list[Any], examples: int
) -> None:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=checks, timeout=10)

    run()


async def test_fuzzed_requests_never_break_the_api_or_its_documented_shapes(api: Api) -> None:
    await api.subscribe()  # seeded state: a subscription, a queued code, a wallet to read
    base_url = str(api.client.make_url("")).rstrip("/")
    headers = api.auth("par-1")
    # schemathesis is synchronous; the server keeps serving on this loop meanwhile.
    failures = await asyncio.to_thread(fuzz, base_url, headers)
    assert not failures, "\n\n".join(failures)


# Staff see other routes than parents do (and other 4xx on parents' routes): every role's
# valid token is fuzzed too, with fewer examples each.
STAFF: list[tuple[Role, str | None]] = [
    ("school_admin", "sch-1"),
    ("finance", None),
    ("ops", None),
    ("service", None),
]


@pytest.mark.parametrize(("role", "school_id"), STAFF, ids=[role for role, _ in STAFF])
async def test_fuzzed_requests_with_any_role_s_token_never_break_the_api(
    api: Api, role: Role, school_id: str | None
) -> None:
    await api.subscribe()
    base_url = str(api.client.make_url("")).rstrip("/")
    headers = api.auth("staff-1", role, school_id)
    failures = await asyncio.to_thread(fuzz, base_url, headers, examples=MAX_EXAMPLES // 3)
    assert not failures, "\n\n".join(failures)


async def test_fuzzed_requests_never_break_the_internal_api(api: Api) -> None:
    await api.subscribe()
    base_url = str(api.client.make_url("")).rstrip("/")
    token = api.settings.internal_api_token
    assert token is not None
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
    failures = await asyncio.to_thread(
        fuzz, base_url, headers, "/internal/v1/openapi.json", MAX_EXAMPLES // 3
    )
    assert not failures, "\n\n".join(failures)
