"""Parents' messages to our sender that HTTP providers pass on (SMPP's come through its
session: gateways/sms/smpp.py). A reply of STOP switches off every paid SMS to the phone."""

from __future__ import annotations

from aiohttp import web

from gateways.sms.incoming import Incoming
from notifier import keys
from notifier.http.internal_auth import authorize
from notifier.http.internal_models import IncomingSmsIn, IncomingSmsOut
from notifier.manager.stop import take_reply


async def incoming_sms(request: web.Request) -> web.Response:
    authorize(request)
    body = IncomingSmsIn.model_validate_json(await request.read())
    message = Incoming(
        body.provider, body.phone, body.text, request.app[keys.CLOCK].now(),
        provider_message_id=body.provider_message_id,
    )  # fmt: skip
    async with request.app[keys.POOL].acquire() as conn:
        outcome = await take_reply(conn, message)
    dispatcher = request.app.get(keys.DISPATCHER)
    if dispatcher is not None and outcome == "stopped":
        dispatcher.wakeup.set()  # the confirmation goes out now
    return web.json_response(IncomingSmsOut(outcome=outcome).model_dump())
