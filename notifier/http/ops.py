"""/api/v1/ops/...: the ops console's API (role `ops`), behind the /ops page.

Reads only, except the re-drive, which is an explicit POST. The phone of a support lookup
comes in the body (URLs end up in logs), and is never logged."""

from __future__ import annotations

import logging
from dataclasses import asdict, replace

from aiohttp import web
from aiokafka.errors import KafkaError

from gateways.sms.routed import RoutedProvider
from notifier import keys
from notifier.http.api.io import json_model, no_query, now, pool, read_body
from notifier.http.api.phone_input import phone_or_422
from notifier.http.auth import Role, authenticate
from notifier.http.errors import ApiError
from notifier.http.openapi import ApiRoute, api_routes
from notifier.http.ops_models import (
    BreakersOut,
    DeadLettersOut,
    OverviewOut,
    PhoneLookupIn,
    PhoneLookupOut,
    RedriveIn,
    RedriveOut,
)
from notifier.ops import BrokerUnavailable
from notifier.ops.deadletters import dead_letters, is_dead_letter_source
from notifier.ops.lookup import look_up_phone
from notifier.ops.offsets import OFFSETS
from notifier.ops.overview import overview
from notifier.redrive import redrive

log = logging.getLogger(__name__)
SINGLE = "no breaker: single provider"


async def get_overview(request: web.Request) -> web.Response:
    authenticate(request, "ops")
    async with pool(request).acquire() as conn:
        figures = await overview(conn, now(request))
    out = {**asdict(figures), "generated_at": now(request), "breakers": breakers(request.app)}
    return json_model(OverviewOut.model_validate(out))


def breakers(app: web.Application) -> BreakersOut:
    provider = app[keys.SMS_PROVIDER]
    if isinstance(provider, RoutedProvider):
        return BreakersOut(states=provider.states(), note=None)
    return BreakersOut(states={}, note=SINGLE)


async def get_dead_letters(request: web.Request) -> web.Response:
    authenticate(request, "ops")
    try:
        topics = await dead_letters(request.app[OFFSETS], request.app[keys.SETTINGS])
    except BrokerUnavailable as exc:
        raise ApiError(503, "broker_unavailable", str(exc)) from exc
    return json_model(DeadLettersOut.model_validate({"topics": [asdict(t) for t in topics]}))


async def post_redrive(request: web.Request) -> web.Response:
    """Moves the topic's dead letters back onto it (oldest first); the events are then
    applied by the consumer as usual (an event already applied stays applied once)."""
    principal = authenticate(request, "ops")
    body = await read_body(request, RedriveIn)
    topic = request.match_info["topic"]
    if not is_dead_letter_source(topic):
        raise ApiError(404, "not_found", f"no dead letters are kept for {topic!r}")
    try:
        moved = await redrive(request.app[keys.SETTINGS], topic, limit=body.limit)
    except (KafkaError, OSError) as exc:  # the broker, not the request: try again later
        raise ApiError(503, "broker_unavailable", f"re-drive failed: {exc!r}") from exc
    log.info("%s (ops) re-drove %d dead letters of %s", principal.subject, moved.moved, topic)
    return json_model(RedriveOut(topic=topic, moved=moved.moved))


async def post_phone_lookup(request: web.Request) -> web.Response:
    authenticate(request, "ops")
    body = await read_body(request, PhoneLookupIn)
    phone = phone_or_422(body.phone, "ru")
    async with pool(request).acquire() as conn:
        found = await look_up_phone(conn, phone)
    return json_model(PhoneLookupOut.model_validate(asdict(found)))


OPS: tuple[Role, ...] = ("ops",)
TABLE = [
    ApiRoute("GET", "/api/v1/ops/overview", get_overview,
             "Ops: sending rate, failures by provider and class, queue, circuit breakers",
             response=OverviewOut, roles=OPS, errors=(422,), tag="ops"),
    ApiRoute("GET", "/api/v1/ops/dead-letters", get_dead_letters,
             "Ops: dead letters waiting per topic, with the reasons of the latest",
             response=DeadLettersOut, roles=OPS, errors=(422, 503), tag="ops"),
    ApiRoute("POST", "/api/v1/ops/dead-letters/{topic}/redrive", post_redrive,
             "Ops: put a topic's dead letters back on it; answers how many moved",
             body=RedriveIn, response=RedriveOut, roles=OPS, errors=(503,), tag="ops"),
    ApiRoute("POST", "/api/v1/ops/phone-lookup", post_phone_lookup,
             "Ops: everything about one phone for a support call: subscriptions, balances,"
             " the last 20 messages with statuses and errors",
             body=PhoneLookupIn, response=PhoneLookupOut, roles=OPS, tag="ops"),
]  # fmt: skip


def routes() -> list[web.RouteDef]:
    # A route declaring no query parameters refuses any (422), as the parents' API does.
    return api_routes([replace(r, handler=no_query(r.handler)) for r in TABLE])
