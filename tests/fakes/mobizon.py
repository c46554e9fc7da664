"""Mobizon's HTTP API on loopback, as documented (github.com/mobizon/mobizon-api-docs).

Implemented: POST /service/message/sendsmsmessage and /service/message/getsmsstatus, with
`output=json&api=v1&apiKey=` in the query and form fields; answers `{code, data, message}`:
code 0 with `{campaignId, messageId, status}` on send, code 1 (validation) with the bad
field in `data`, code 8 for a wrong key, getSMSStatus rows `{id, status, segNum,
startSendTs, statusUpdateTs}` only for known ids, code 2 when no ids are given, 12 for more
than 100. Modes a test can switch on: "throttled" (code 30, Mobizon's rate limit),
"unavailable" (HTTP 503), "broken" (code 999), "silent" (the answer never comes),
"accept_then_drop" (the message is stored, then the connection is cut). `webhook_event`
builds a signed "SMS statuses" webhook body the way Mobizon does.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

PHONE = re.compile(r"\d{10,15}")


@dataclass
class Sent:
    id: int
    recipient: str
    text: str
    sender: str
    status: str = "NEW"


@dataclass
class FakeMobizon:
    api_key: str = "k" * 40
    mode: str = "normal"
    alphanames: set[str] = field(default_factory=lambda: {"eMektep"})
    messages: dict[int, Sent] = field(default_factory=dict)
    requests: int = 0
    _server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/service/message/sendsmsmessage", self._send)
        app.router.add_post("/service/message/getsmsstatus", self._status)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    def _answer(self, code: int, data: Any, message: str = "") -> web.Response:
        return web.json_response({"code": code, "data": data, "message": message})

    async def _refusal(self, request: web.Request) -> web.StreamResponse | None:
        self.requests += 1
        if self.mode == "throttled":
            return self._answer(30, None, "Request rate limit exceeded")
        if self.mode == "broken":
            return self._answer(999, None, "General service error")
        if self.mode == "unavailable":
            return web.Response(status=503, text="Service Unavailable")
        if self.mode == "silent":
            await asyncio.sleep(3600)
        if request.query.get("apiKey") != self.api_key or request.query.get("output") != "json":
            return self._answer(8, None, "Login error")
        return None

    async def _send(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._refusal(request)) is not None:
            return refused
        form = await request.post()
        recipient, text = str(form.get("recipient", "")), str(form.get("text", ""))
        sender = str(form.get("from", ""))
        if not PHONE.fullmatch(recipient):
            return self._answer(1, {"recipient": "Invalid recipient number"}, "Validation")
        if not text:
            return self._answer(1, {"text": "Text cannot be blank"}, "Validation")
        if sender and sender not in self.alphanames:
            return self._answer(1, {"from": "Alpha name is not registered"}, "Validation")
        sent = Sent(len(self.messages) + 1000, recipient, text, sender)
        self.messages[sent.id] = sent
        if self.mode == "accept_then_drop":
            assert request.transport is not None
            request.transport.close()
        return self._answer(0, {"campaignId": sent.id + 5000, "messageId": sent.id,
                                "status": 1})  # fmt: skip

    async def _status(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._refusal(request)) is not None:
            return refused
        form = await request.post()
        ids = [str(v) for k, v in form.items() if k.startswith("ids")]
        if not ids:
            return self._answer(2, None, "No message ids given")
        if len(ids) > 100:
            return self._answer(12, None, "Too many ids")
        rows = [
            {"id": m.id, "status": m.status, "segNum": 1, "startSendTs": None,
             "statusUpdateTs": None}
            for i in ids if i.isdigit() and (m := self.messages.get(int(i))) is not None
        ]  # fmt: skip
        return self._answer(0, rows)


def webhook_event(
    message_id: int, status: str, secret: str, *, event_id: int = 26, attempt: int = 1
) -> dict[str, Any]:
    """An "SMS statuses" webhook body, signed as Mobizon documents."""
    created = "2026-12-01 11:42:28"
    sign = hashlib.sha1(f"{event_id}|{attempt}|{created}|{secret}".encode()).hexdigest()  # noqa: S324
    return {
        "eventId": event_id, "eventType": "sms-delivery-report", "eventCreateTs": created,
        "webhookId": 1, "attempt": attempt, "sign": sign,
        "data": {"campaignId": message_id + 5000, "messageId": message_id, "segNum": 1,
                 "statusUpdateTs": created, "status": status, "to": "77011234567"},
    }  # fmt: skip
