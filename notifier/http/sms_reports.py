"""Delivery-report callbacks from SMS providers: authenticate, normalise, record once.

POST /sms/reports/mobizon: Mobizon's "SMS statuses" webhook, signed as Mobizon documents
(gateways/sms/mobizon_webhook.py). Answers: 503 when MOBIZON_WEBHOOK_SECRET is unset; 400
for a body that is not a Mobizon event; 403 for a wrong signature (nothing changes); 200 when
recorded, repeated, not a delivery report or not final (Mobizon stops resending); 404 for a
message id we do not know (yet: the send may still be committing), so Mobizon, which retries
up to 10 times a minute further apart each time, asks again.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from gateways.sms.mobizon_webhook import MobizonEvent, is_signed, report_of
from notifier import keys
from notifier.http.errors import ApiError
from notifier.outbox.reports import record_report

MOBIZON_PATH = "/sms/reports/mobizon"


async def mobizon(request: web.Request) -> web.Response:
    secret = request.app[keys.SETTINGS].mobizon_webhook_secret
    if secret is None:
        raise ApiError(503, "disabled", "Mobizon webhooks are not configured")
    try:
        event = MobizonEvent.model_validate_json(await request.read())
    except ValidationError as exc:
        raise ApiError(400, "invalid_payload", "the body is not a Mobizon event") from exc
    if not is_signed(event, secret.get_secret_value()):
        raise ApiError(403, "invalid_signature", "the sign does not verify")
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
