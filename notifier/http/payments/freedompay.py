"""Freedom Pay's Result URL: the gateway reports a payment's result here (form POST).

Answered with the documented signed XML: ok, rejected (with pg_description, shown to the
payer) or error; anything but HTTP 200 makes Freedom Pay call again later.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from gateways.payments import InvalidEvent, InvalidSignature
from gateways.payments.freedompay import FreedomPayGateway
from notifier.topups.gateways import FREEDOMPAY_RESULT_PATH as RESULT_PATH
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.settle import settle

log = logging.getLogger(__name__)
ACCEPTED = "Оплата принята"
REJECTED = "Платёж не принят: сумма или статус не совпадают с заказом"


async def result(request: web.Request) -> web.Response:
    gateway = request.app[PAYMENT_GATEWAYS].get("freedompay")
    if not isinstance(gateway, FreedomPayGateway):
        raise web.HTTPNotFound()
    raw = await request.read()
    pairs = [(k, v) for k, v in (await request.post()).items() if isinstance(v, str)]
    salt = next((v for k, v in pairs if k == "pg_salt"), "")
    try:
        event = gateway.parse_result(pairs, raw)
    except (InvalidSignature, InvalidEvent) as exc:
        log.warning("Freedom Pay result refused: %s", exc)
        return _xml(gateway.answer_result("error", salt, "invalid request"), status=400)
    settled = await settle(request.app, event, _canonical(pairs))
    if settled.refused is not None:
        return _xml(gateway.answer_result("rejected", salt, REJECTED))
    return _xml(gateway.answer_result("ok", salt, ACCEPTED))


def _canonical(pairs: list[tuple[str, str]]) -> bytes:
    # Freedom Pay signs each call afresh (new pg_salt), so a repeated result differs only
    # there: the event is recorded by what it says, not by its salt and signature.
    kept = sorted((k, v) for k, v in pairs if k not in ("pg_salt", "pg_sig"))
    return json.dumps(kept, ensure_ascii=False).encode()


def _xml(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="application/xml")


def routes() -> list[web.RouteDef]:
    return [web.post(RESULT_PATH, result)]
