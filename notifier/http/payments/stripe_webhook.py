"""POST /payments/stripe/webhook: Stripe's signed events about top-ups, applied exactly once.

Answers: 200 when applied, repeated or not about a top-up (Stripe stops resending); 400
for a bad or stale signature (nothing read further); 409 when refused with nothing
recorded (unknown payment, Stripe's own view disagrees, amounts differ), so Stripe's retry
is judged afresh; 503 when Stripe is not configured or could not be asked.
"""

from __future__ import annotations

import logging

import stripe
from aiohttp import web

from billing.payment_events import ConflictingEvent
from gateways.payments import PaymentGatewayError, PaymentNotFound
from gateways.payments.stripe import StripeGateway
from gateways.payments.stripe_events import GATEWAY, StripeEvent
from notifier import keys
from notifier.http.errors import ApiError
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.stripe_delivery import Refused, apply_once, payment_events

log = logging.getLogger(__name__)
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


async def receive(request: web.Request) -> web.Response:
    secret = request.app[keys.SETTINGS].stripe_webhook_secret
    gateway = request.app[PAYMENT_GATEWAYS].get(GATEWAY)
    if secret is None or not isinstance(gateway, StripeGateway):
        raise ApiError(503, "disabled", "Stripe payments are not configured")
    body = await request.read()
    event = verified_event(body, request.headers.get("Stripe-Signature"), secret.get_secret_value())
    pool = request.app[keys.POOL]
    try:
        found = await payment_events(event, body, gateway, pool)
        outcomes = await apply_once(pool, event.id, body, found) if found else []
    except Refused as exc:
        log.warning("stripe event %s (%s) refused: %s", event.id, event.type, exc)
        raise ApiError(409, exc.outcome, str(exc)) from exc
    except ConflictingEvent as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    except PaymentNotFound as exc:
        raise ApiError(409, "unknown_payment", "Stripe does not know this payment") from exc
    except PaymentGatewayError as exc:
        log.error("stripe event %s: could not confirm with Stripe: %s", event.id, exc)
        raise ApiError(
            503, "gateway_unavailable", "could not confirm the event with Stripe"
        ) from exc
    if outcomes is None:
        return web.json_response({"received": event.id, "outcome": "duplicate"})
    return web.json_response({"received": event.id, "outcomes": outcomes})


def routes() -> list[web.RouteDef]:
    return [web.post(PATH, receive)]
