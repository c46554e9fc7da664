"""Mobizon's HTTP API on loopback, as documented (help/api-docs/message, and its PHP SDK).

Implemented: POST /service/message/sendsmsmessage and /service/message/getsmsstatus, with
`output=json&api=v1&apiKey=` in the query and form fields; answers `{code, data, message}`:
code 0 with `{campaignId, messageId, status}` on send, code 1 (validation) with the bad
field in `data`, getSMSStatus rows `{id, status, segNum, startSendTs, statusUpdateTs}` only
for known ids, code 2 when no ids are given. Modes a test can switch on: "throttled"
(HTTP 429), "unavailable" (HTTP 503), "silent" (the request is taken, the answer never
comes), "accept_then_drop" (the message is stored, then the connection is cut).
"""

from __future__ import annotations

import asyncio
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
            return web.json_response({"message": "Too many requests"}, status=429)
        if self.mode == "unavailable":
            return web.Response(status=503, text="Service Unavailable")
        if self.mode == "silent":
            await asyncio.sleep(3600)
        if request.query.get("apiKey") != self.api_key or request.query.get("output") != "json":
            # The code Mobizon uses for a bad key is not in the pages we could read; any
            # code other than 0/100 (ok) and 1 (validation) is a refusal to the provider.
            return self._answer(8, None, "Access denied")
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
