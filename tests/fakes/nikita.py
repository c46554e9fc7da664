"""Nikita's smspro XML API on loopback, as its documentation and SDKs describe it.

POST /api/message: `<message>` with login, pwd, id (<= 12 latin letters/digits), sender,
text, phones/phone (996xxxxxxxxx) and optional test; answers `<response><id/><status/>
<phones/><smscnt/></response>` with Nikita's statuses (0 ok, 1 bad format, 2 bad login,
5 sender not approved, 7 bad number, 10 id already used, 11 test). POST /api/dr: `<dr>` with
login, pwd, id; answers status 0 and one `<phone>` per number (number, report, sendTime,
rcvTime in Bishkek time), or status 4 when there is no report for the id. Modes: "unavailable"
(HTTP 503), "silent" (no answer), "accept_then_drop" (stored, then the connection is cut).
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer
from defusedxml.ElementTree import fromstring

ID = re.compile(r"[A-Za-z0-9]{1,12}")
PHONE = re.compile(r"\+?996\d{9}")


@dataclass
class Message:
    id: str
    phone: str
    text: str
    report: int = 0
    rcv_time: str = ""


@dataclass
class FakeNikita:
    login: str = "school"
    password: str = "secret"
    senders: set[str] = field(default_factory=lambda: {"eMektep"})
    mode: str = "normal"
    messages: dict[str, Message] = field(default_factory=dict)
    used_ids: set[str] = field(default_factory=set)
    _server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/api"))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/message", self._message)
        app.router.add_post("/api/dr", self._dr)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _refusal(self) -> web.Response | None:
        if self.mode == "unavailable":
            return web.Response(status=503)
        if self.mode == "silent":
            await asyncio.sleep(3600)
        return None

    async def _message(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._refusal()) is not None:
            return refused
        doc = fromstring(await request.read())
        message_id = doc.findtext("id") or ""
        phones = [p.text or "" for p in doc.iter("phone")]
        status = self._judge(doc, message_id, phones)
        if status == 0:
            for phone in phones:
                self.messages[message_id] = Message(message_id, phone, doc.findtext("text") or "")
        if status in (0, 11):
            self.used_ids.add(message_id)
        if self.mode == "accept_then_drop" and status == 0:
            assert request.transport is not None
            request.transport.close()
        return _xml("response", id=message_id, status=str(status), phones=str(len(phones)),
                    smscnt="1")  # fmt: skip

    def _judge(self, doc: ET.Element, message_id: str, phones: list[str]) -> int:
        if doc.tag != "message" or not ID.fullmatch(message_id) or not phones:
            return 1
        if (doc.findtext("login"), doc.findtext("pwd")) != (self.login, self.password):
            return 2
        if doc.findtext("sender") not in self.senders:
            return 5
        if not all(PHONE.fullmatch(p) for p in phones):
            return 7
        if message_id in self.used_ids:
            return 10
        return 11 if doc.findtext("test") == "1" else 0

    async def _dr(self, request: web.Request) -> web.StreamResponse:
        if (refused := await self._refusal()) is not None:
            return refused
        doc = fromstring(await request.read())
        if (doc.findtext("login"), doc.findtext("pwd")) != (self.login, self.password):
            return _xml("response", status="2")
        message = self.messages.get(doc.findtext("id") or "")
        if message is None:
            return _xml("response", status="4")
        root = ET.Element("response")
        ET.SubElement(root, "status").text = "0"
        phone = ET.SubElement(root, "phone")
        for name, value in (
            ("number", message.phone),
            ("report", str(message.report)),
            ("sendTime", "20261201180000"),
            ("rcvTime", message.rcv_time),
        ):
            ET.SubElement(phone, name).text = value  # fmt: skip
        return web.Response(body=ET.tostring(root, encoding="utf-8", xml_declaration=True),
                            content_type="application/xml")  # fmt: skip


def _xml(root: str, **fields: str) -> web.Response:
    element = ET.Element(root)
    for name, value in fields.items():
        ET.SubElement(element, name).text = value
    return web.Response(body=ET.tostring(element, encoding="utf-8", xml_declaration=True),
                        content_type="application/xml")  # fmt: skip
