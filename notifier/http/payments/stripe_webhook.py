"""POST /payments/stripe/webhook: Stripe's signed events about top-ups, applied exactly once
(notifier.topups.stripe_delivery.receive).

Answers: 200 when applied, repeated or not about a top-up (Stripe stops resending); 400
for a bad or stale signature (nothing read further); 409 when refused with nothing
recorded (unknown payment, Stripe's own view disagrees, amounts differ), so Stripe's retry
is judged afresh; 503 when Stripe is not configured or could not be asked.
"""

from __future__ import annotations

import stripe
from aiohttp import web

from gateways.payments.stripe_events import StripeEvent
from notifier import keys
from notifier.http.errors import ApiError
from notifier.topups.stripe_delivery import receive, stripe_gateway

PATH = "/payments/stripe/webhook"
TOLERANCE_SECONDS = 300  # Stripe's default: older signatures may be replays


def verified_event(body: bytes, signature: str | None, secret: str) -> StripeEvent:
    """The event, if Stripe signed exactly these bytes within the tolerance; else 400."""
    try:
        if signature is None or not signature.isascii():  # the SDK raises TypeError on it
            raise ValueError("Stripe signs with ASCII hex only")
        stripe.Webhook.construct_event(body, signature, secret, tolerance=TOLERANCE_SECONDS)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise ApiError(400, "invalid_signature", "the Stripe-Signature does not verify") from exc
    try:
        return StripeEvent.model_validate_json(body)
    except ValueError as exc:
        raise ApiError(400, "invalid_payload", "the body is not a Stripe event") from exc


async def webhook(request: web.Request) -> web.Response:
    secret = request.app[keys.SETTINGS].stripe_webhook_secret
    if secret is None or stripe_gateway(request.app) is None:
        raise ApiError(503, "disabled", "Stripe payments are not configured")
    body = await request.read()
    event = verified_event(body, request.headers.get("Stripe-Signature"), secret.get_secret_value())
    settled = await receive(request.app, event, body)
    if settled.refused is not None:
        raise ApiError(409, settled.refused, settled.why)
    if settled.repeat:
        return web.json_response({"received": event.id, "outcome": "duplicate"})
    return web.json_response({"received": event.id, "outcomes": list(settled.outcomes)})


def routes() -> list[web.RouteDef]:
    return [web.post(PATH, webhook)]
