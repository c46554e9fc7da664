"""Delivery-report callbacks from SMS providers: authenticate, normalise, record once.

POST /sms/reports/mobizon/{token}: Mobizon's "SMS statuses" webhook. Answers: 503 when
MOBIZON_CALLBACK_SECRET is unset; 403 for a wrong token (nothing read further, nothing
changes); 400 for a body that is not a Mobizon event; 200 when recorded, repeated, not a
delivery report or not final yet (Mobizon stops resending); 404 for a message id we do not
know (yet: the send may still be committing), so Mobizon's retry is judged afresh.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from pydantic import ValidationError

from gateways.sms.mobizon_webhook import MobizonEvent, report_of
from notifier import keys
from notifier.http.errors import ApiError
from notifier.sms_reports import record_report

MOBIZON_PATH = "/sms/reports/mobizon/{token}"


def _authorize(request: web.Request) -> None:
    secret = request.app[keys.SETTINGS].mobizon_callback_secret
    if secret is None:
        raise ApiError(503, "disabled", "Mobizon callbacks are not configured")
    given = request.match_info["token"].encode()
    if not hmac.compare_digest(given, secret.get_secret_value().encode()):
        raise ApiError(403, "forbidden", "unknown callback token")


async def mobizon(request: web.Request) -> web.Response:
    _authorize(request)
    try:
        event = MobizonEvent.model_validate_json(await request.read())
    except ValidationError as exc:
        raise ApiError(400, "invalid_payload", "the body is not a Mobizon event") from exc
    report = report_of(event, request.app[keys.CLOCK].now())
    if report is None:
        return web.json_response({"outcome": "ignored"})
    policy = request.app[keys.SETTINGS].undeliverable_policy
    outcome = await record_report(request.app[keys.POOL], report, policy=policy)
    if outcome == "unknown_message":
        raise ApiError(404, "not_found", "no SMS with this Mobizon message id")
    return web.json_response({"outcome": outcome or "not_final"})


def routes() -> list[web.RouteDef]:
    return [web.post(MOBIZON_PATH, mobizon)]
