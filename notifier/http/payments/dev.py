"""The dev gateway's side of this service: its payment page and the callback it sends.

Both exist only when DEV_PAYMENTS_SECRET is set (the dev gateway is configured).
"""

from __future__ import annotations

import html
import logging
from uuid import UUID

from aiohttp import web

from billing.money import format_amount
from gateways.payments import InvalidEvent, InvalidSignature
from gateways.payments.dev import (
    CALLBACK_PATH,
    SIGNATURE_HEADER,
    Decision,
    DevPayment,
    DevPaymentGateway,
)
from notifier.http.errors import ApiError
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.settle import settle

log = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dev payment</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 3rem auto">
<h1>Dev payment gateway</h1>
<p>A test payment: no real money moves.</p>
<p>{description}</p>
<p style="font-size: 2rem"><strong>{amount}</strong></p>
{action}
</body></html>"""
FORM = """<form method="post">
<button type="submit" name="decision" value="pay">Pay</button>
<button type="submit" name="decision" value="decline">Decline</button>
</form>"""


def _gateway(request: web.Request) -> DevPaymentGateway:
    gateway = request.app[PAYMENT_GATEWAYS].get("dev")
    if not isinstance(gateway, DevPaymentGateway):
        raise web.HTTPNotFound()
    return gateway


def _payment(request: web.Request) -> tuple[DevPaymentGateway, DevPayment]:
    gateway = _gateway(request)
    try:
        payment = gateway.payment_for(UUID(request.match_info["top_up_id"]))
    except ValueError:
        payment = None
    if payment is None:
        raise web.HTTPNotFound()
    return gateway, payment


async def payment_page(request: web.Request) -> web.Response:
    _, payment = _payment(request)
    action = FORM if payment.state == "pending" else f"<p>This payment is {payment.state}.</p>"
    page = PAGE.format(
        description=html.escape(payment.description),
        amount=html.escape(format_amount(payment.amount, payment.currency)),
        action=action,
    )
    return web.Response(text=page, content_type="text/html")


async def press_button(request: web.Request) -> web.Response:
    gateway, payment = _payment(request)
    decision = (await request.post()).get("decision")
    if decision not in ("pay", "decline"):
        raise web.HTTPBadRequest()
    outcome: Decision = "succeeded" if decision == "pay" else "failed"
    back = await gateway.press(payment.payment_id, outcome, _this_service(request))
    raise web.HTTPSeeOther(back)


def _this_service(request: web.Request) -> str:
    """The address this request arrived at: the callback reaches this very process, whatever
    PUBLIC_BASE_URL says (another port, a proxy the server cannot reach)."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not sockname:
        return str(request.url.origin())
    host, port = sockname[0], sockname[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def callback(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    body = await request.read()
    try:
        event = gateway.parse_callback(body, request.headers.get(SIGNATURE_HEADER, ""))
    except (InvalidSignature, InvalidEvent) as exc:
        log.warning("dev payment callback refused: %s", exc)
        raise ApiError(400, "invalid_signature", str(exc)) from exc
    settled = await settle(request.app, event, body)
    if settled.refused is not None:
        raise ApiError(400, "refused", f"payment event refused: {settled.refused}")
    return web.json_response({"outcome": settled.outcome})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/dev-pay/{top_up_id}", payment_page),
        web.post("/dev-pay/{top_up_id}", press_button),
        web.post(CALLBACK_PATH, callback),
    ]
