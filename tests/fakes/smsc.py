"""An SMSC on loopback: smpp34's asyncio SMPP server, answering as a test scripts it.

Each submit_sm takes the next scripted answer ("ok" when the script is empty): "ok",
"throttled" (ESME_RTHROTTLED), "queue_full" (ESME_RMSGQFUL), "bad_destination"
(ESME_RINVDSTADR), "silent" (never answered: the client times out), "hold" (answered "ok"
only once `release()` is called - proves several PDUs in flight). Receipts are sent on demand
as real deliver_sm PDUs with esm_class 0x04.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field
from typing import Any

import smpp34

REFUSALS = {
    "throttled": 0x58,  # ESME_RTHROTTLED
    "queue_full": 0x14,  # ESME_RMSGQFUL
    "bad_destination": 0x0B,  # ESME_RINVDSTADR
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Submitted:
    destination: str
    source: str
    source_ton: int
    data_coding: int
    esm_class: int
    short_message: bytes
    registered_delivery: int
    message_id: str | None = None
    bind: int = 1  # which of the ESME's binds it came on (tests/fakes/smsc_peer.py)


@dataclass
class FakeSmsc:
    port: int = field(default_factory=free_port)
    script: list[str] = field(default_factory=list)
    submitted: list[Submitted] = field(default_factory=list)
    binds: int = 0
    _sessions: dict[str, smpp34.Esme] = field(default_factory=dict)
    _held: list[tuple[Any, Submitted]] = field(default_factory=list)
    _silent: list[Any] = field(default_factory=list)  # kept alive: a dropped event NAKs
    _ids: int = 0xA0
    _server: smpp34.Server | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._server = smpp34.Server("127.0.0.1", self.port, system_id="FAKESMSC")
        await self._server.start()
        self._task = asyncio.create_task(self._serve(self._server))

    async def stop(self) -> None:
        for esme in list(self._sessions.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(esme.unbind(), 2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._server is not None:
            await self._server.stop()
        self._sessions.clear()
        self._server = self._task = None

    async def _serve(self, server: smpp34.Server) -> None:
        while True:
            event = await server.next()
            if isinstance(event, smpp34.Esme):
                self.binds += 1
                self._sessions[event.session_id] = event
            elif isinstance(event, smpp34.SubmitSmEvent):
                self._answer(event)
            elif isinstance(event, smpp34.Unbound):
                self._sessions.pop(event.session_id, None)

    def _answer(self, event: smpp34.SubmitSmEvent) -> None:
        record = Submitted(
            event.destination_addr, event.source_addr, event.source_addr_ton,
            event.data_coding, event.esm_class, event.short_message, event.registered_delivery,
        )  # fmt: skip
        self.submitted.append(record)
        answer = self.script.pop(0) if self.script else "ok"
        if answer == "ok":
            self._accept(event, record)
        elif answer == "hold":
            self._held.append((event, record))
        elif answer == "silent":
            self._silent.append(event)
        else:
            event.reject(REFUSALS[answer])

    def _accept(self, event: smpp34.SubmitSmEvent, record: Submitted) -> None:
        self._ids += 1
        record.message_id = f"{self._ids:08X}"  # hex with leading zeros, as many SMSCs do
        event.accept(record.message_id)

    def release(self) -> int:
        held, self._held = self._held, []
        for event, record in held:
            self._accept(event, record)
        return len(held)

    @property
    def held(self) -> int:
        return len(self._held)

    async def receipt(self, message_id: str, stat: str = "DELIVRD", *, err: str = "000") -> None:
        """A delivery receipt for `message_id`, written as the SMSC chooses to write it."""
        text = f"id:{message_id} sub:001 dlvrd:001 submit date:2612011200 done date:2612011201"
        text += f" stat:{stat} err:{err} text:"
        esme = list(self._sessions.values())[-1]  # the latest bound session
        resp = await esme.deliver_sm(
            "eMektep", text.encode(), source_addr="77011234567", esm_class=0x04
        )
        assert resp.is_success
