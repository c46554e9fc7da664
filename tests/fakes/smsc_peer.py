"""An SMSC written from the SMPP 3.4 specification on plain asyncio streams (not smpp34), so
it behaves like an operator's SMSC and not like our client's own library:

* binds check the password (ESME_RINVPASWD, then the socket closes);
* each submit_sm takes the next scripted answer ("ok" when the script is empty): "ok",
  "throttled", "queue_full", "syserr", "bad_destination", "silent" (never answered), or
  "lost" (taken - an id, a receipt - but the submit_sm_resp never sent: a lost answer);
* with `receipts` set, a deliver_sm receipt follows every accepted part at once - right
  after its submit_sm_resp, or before it with `receipt_first` (the receipt overtakes the
  answer, which then follows `answer_delay` seconds later) - written with the id in hex
  or, with `receipt_ids="decimal"`, in decimal (and the submit_sm_resp gives ids in hex, or
  in decimal with `answer_ids="decimal"`);
* at most `window` deliver_sm are unacknowledged at once; one answered with an error
  (ESME_RX_T_APPN...) is sent again after `retry_after` seconds, as SMSCs do.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from tests.fakes.smsc import Submitted, free_port

BIND_TRX, SUBMIT, DELIVER, UNBIND, ENQUIRE, NACK = 0x09, 0x04, 0x05, 0x06, 0x15, 0x80000000
RESP = 0x80000000
STATUS = {
    "throttled": 0x58, "queue_full": 0x14, "syserr": 0x08, "bad_destination": 0x0B,
}  # fmt: skip
INVALID_PASSWORD = 0x0E
MAX_PDU = 64 * 1024


def pdu(command: int, seq: int, body: bytes = b"", status: int = 0) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, seq) + body


def _cstr(body: bytes, at: int) -> tuple[str, int]:
    end = body.index(b"\0", at)
    return body[at:end].decode("latin-1"), end + 1


def parse_sm(body: bytes) -> Submitted:
    """The fields of a submit_sm (or deliver_sm) body that tests look at."""
    _, at = _cstr(body, 0)  # service_type
    ton = body[at]
    source, at = _cstr(body, at + 2)
    destination, at = _cstr(body, at + 2)
    esm_class = body[at]
    _, at = _cstr(body, at + 3)  # schedule_delivery_time
    _, at = _cstr(body, at)  # validity_period
    registered, coding, length = body[at], body[at + 2], body[at + 4]
    text = body[at + 5 : at + 5 + length]
    return Submitted(destination, source, ton, coding, esm_class, text, registered)


def deliver_body(text: bytes, source: str = "77011234567") -> bytes:
    head = b"\0" + bytes((1, 1)) + source.encode() + b"\0" + bytes((5, 0)) + b"eMektep\0"
    return head + bytes((0x04, 0, 0)) + b"\0\0" + bytes((0, 0, 0, 0, len(text))) + text


@dataclass
class _Link:
    writer: asyncio.StreamWriter
    window: int
    number: int = 0  # 1 for the first bind, 2 for the second...
    seq: int = 0x7000_0000
    queued: deque[bytes] = field(default_factory=deque)  # receipt texts not sent yet
    pending: dict[int, bytes] = field(default_factory=dict)  # deliver_sm seq -> its text

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def pump(self) -> None:
        """Send queued receipts while the deliver_sm window has room."""
        while self.queued and len(self.pending) < self.window:
            text = self.queued.popleft()
            self.seq += 1
            self.pending[self.seq] = text
            self.send(pdu(DELIVER, self.seq, deliver_body(text)))


@dataclass
class SmscPeer:
    system_id: str = "school"
    password: str = "secret"
    port: int = field(default_factory=free_port)
    script: list[str] = field(default_factory=list)
    receipts: str | None = None  # the stat: of the receipt sent for every accepted part
    receipt_first: bool = False
    answer_delay: float = 0.0
    receipt_ids: Literal["hex", "decimal"] = "hex"
    answer_ids: Literal["hex", "decimal"] = "hex"
    window: int = 10
    retry_after: float = 0.2
    submitted: list[Submitted] = field(default_factory=list)
    binds: int = 0
    refused_binds: int = 0
    receipts_acked: int = 0
    receipts_refused: int = 0
    garbled: int = 0  # links dropped because a PDU's length made no sense
    _ids: int = 0xA0
    _links: list[_Link] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in self._links:
            link.writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        self._links.clear()
        self._server = None

    def drop_links(self) -> None:
        """Close every bound connection without an unbind (the SMSC crashed or cut us off)."""
        for link in self._links:
            link.writer.transport.abort()

    def receipt(self, message_id: str, stat: str = "DELIVRD") -> None:
        """One receipt on the newest link, written as this SMSC writes ids."""
        self._send_receipt(self._links[-1], message_id, stat)

    def _spawn(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._spawn(task)
        link = _Link(writer, self.window)
        buffer = b""
        try:
            while data := await reader.read(1 << 16):
                buffer += data
                at = 0
                while len(buffer) - at >= 16:
                    length, command, status, seq = struct.unpack_from(">IIII", buffer, at)
                    if not 16 <= length <= MAX_PDU:
                        self.garbled += 1  # framing lost: a real SMSC can only drop the link
                        return
                    if len(buffer) - at < length:
                        break
                    body = buffer[at + 16 : at + length]
                    at += length
                    if not self._handle(link, command, status, seq, body):
                        return
                buffer = buffer[at:]
        except ConnectionError:
            pass
        finally:
            if link in self._links:
                self._links.remove(link)
            writer.close()

    def _handle(self, link: _Link, command: int, status: int, seq: int, body: bytes) -> bool:
        if command == BIND_TRX:
            return self._bind(link, seq, body)
        if command == SUBMIT:
            self._submit(link, seq, body)
        elif command == DELIVER | RESP:
            self._delivered(link, seq, status)
        elif command == ENQUIRE:
            link.send(pdu(ENQUIRE | RESP, seq))
        elif command == UNBIND:
            link.send(pdu(UNBIND | RESP, seq))
            return False
        elif not command & RESP:
            link.send(pdu(NACK, seq, status=0x03))  # ESME_RINVCMDID
        return True

    def _bind(self, link: _Link, seq: int, body: bytes) -> bool:
        system_id, at = _cstr(body, 0)
        password, _ = _cstr(body, at)
        if (system_id, password) != (self.system_id, self.password):
            self.refused_binds += 1
            link.send(pdu(BIND_TRX | RESP, seq, b"\0", status=INVALID_PASSWORD))
            return False
        self.binds += 1
        link.number = self.binds
        self._links.append(link)
        link.send(pdu(BIND_TRX | RESP, seq, b"SMSC\0"))
        return True

    def _submit(self, link: _Link, seq: int, body: bytes) -> None:
        record = parse_sm(body)
        record.bind = link.number
        self.submitted.append(record)
        answer = self.script.pop(0) if self.script else "ok"
        if answer == "silent":
            return
        if answer in STATUS:
            link.send(pdu(SUBMIT | RESP, seq, b"\0", status=STATUS[answer]))
            return
        self._ids += 1
        record.message_id = _written(self._ids, self.answer_ids)
        if answer == "lost":
            if self.receipts is not None:
                self._deliver(link, self._ids, self.receipts)
            return
        resp = pdu(SUBMIT | RESP, seq, record.message_id.encode() + b"\0")
        if self.receipts is not None and self.receipt_first:
            self._deliver(link, self._ids, self.receipts)
            asyncio.get_running_loop().call_later(self.answer_delay, link.send, resp)
            return
        link.send(resp)
        if self.receipts is not None:
            self._deliver(link, self._ids, self.receipts)

    def _deliver(self, link: _Link, number: int, stat: str) -> None:
        self._send_receipt(link, _written(number, self.receipt_ids), stat)

    def _send_receipt(self, link: _Link, shown: str, stat: str) -> None:
        text = f"id:{shown} sub:001 dlvrd:001 submit date:2612011200 done date:2612011201"
        link.queued.append(f"{text} stat:{stat} err:000 text:".encode())
        link.pump()

    def _delivered(self, link: _Link, seq: int, status: int) -> None:
        text = link.pending.pop(seq, None)
        if text is None:
            return
        if status == 0:
            self.receipts_acked += 1
        else:
            self.receipts_refused += 1
            loop = asyncio.get_running_loop()
            loop.call_later(self.retry_after, self._again, link, text)
        link.pump()

    def _again(self, link: _Link, text: bytes) -> None:
        link.queued.append(text)
        link.pump()


def _written(number: int, base: Literal["hex", "decimal"]) -> str:
    """An SMSC message id as this SMSC writes it: hex with leading zeros, or decimal."""
    return f"{number:08X}" if base == "hex" else str(number)
