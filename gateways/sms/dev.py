"""Dev provider: the "handset" is a JSON-lines file, and a line on the console.

It behaves like a real provider where that matters for "nothing sent twice": it takes our
reference, answers status lookups by it (from the file, so a restarted service or another
replica sees what any process handed over, up to the moment of the lookup), and can be told
to lose acknowledgements (`lose_ack_rate`): the message is written, then the reply "fails",
so the dispatcher's in-doubt path runs. With `lookups=False` it answers no lookup
(LookupUnsupported), as SMPP and Mobizon cannot be asked about an SMS by our reference: an SMS
in doubt is then settled by IN_DOUBT_POLICY alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from billing.money import format_amount
from gateways.sms.base import LookupUnsupported, OutgoingSms, SendResult, SmsInDoubt


def _console_phone(phone: str) -> str:
    return phone[:5] + "..."


class DevSmsProvider:
    name = "dev"

    def __init__(
        self,
        outbox: Path,
        console: TextIO | None = None,
        *,
        lose_ack_rate: float = 0.0,
        seed: int | None = None,
        lookups: bool = True,
    ) -> None:
        self._outbox = outbox
        self._console = console if console is not None else sys.stdout
        self._lock = asyncio.Lock()
        self._lose_ack_rate = lose_ack_rate
        self._lookups = lookups
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security
        # reference -> message id, as far as the file has been read (up to _read_to bytes).
        # Filled by lookups only (rare: SMS in doubt), never per send: a Friday's million
        # digests would otherwise stay in the service's memory, as a real provider's would not.
        self._accepted: dict[str, str] = {}
        self._read_to = 0
        self._file: TextIO | None = None  # opened on the first send, kept open
        # Sends of the same moment, written and flushed together (see _hand_over).
        self._group: list[tuple[str, str]] = []  # (file line, console line)
        self._group_written: asyncio.Future[None] | None = None
        outbox.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, sms: OutgoingSms) -> SendResult:
        message_id = f"dev-{sms.reference}"
        record = {
            "id": sms.reference,
            "message_id": message_id,
            "to": sms.phone,
            "from": sms.sender,
            "kind": sms.kind,
            "paid_by": sms.paid_by,
            "text": sms.body,
            "parts": sms.parts,
            "encoding": sms.encoding,
            "price": sms.price,
            "currency": sms.currency,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        await self._hand_over(line, self._console_line(sms))
        if self._lose_ack_rate and self._random.random() < self._lose_ack_rate:
            raise SmsInDoubt("acknowledgement lost (injected)", provider=self.name)
        return SendResult(provider_message_id=message_id)

    async def _hand_over(self, line: str, console: str) -> None:
        """Return once the line is on the "handset" (written and flushed: a crash cannot
        unsend it, and a lookup reads it from there). The sends of one moment (a dispatcher's
        batch in flight) are written together, in one write and one flush, as a provider's
        batch endpoint takes them."""
        self._group.append((line, console))
        if self._group_written is None:
            loop = asyncio.get_running_loop()
            self._group_written = loop.create_future()
            loop.call_soon(self._write_group)
        await asyncio.shield(self._group_written)  # one send timing out stops no other

    def _write_group(self) -> None:
        group, self._group = self._group, []
        written, self._group_written = self._group_written, None
        assert written is not None
        try:
            if self._file is None:
                self._file = self._outbox.open("a", encoding="utf-8")
            self._file.write("".join(line for line, _ in group))
            self._file.flush()
        except Exception as exc:  # every send of the group fails with it (then in doubt)
            written.set_exception(exc)
            return
        written.set_result(None)  # on the handset: the console line is only a courtesy
        with contextlib.suppress(Exception):
            print("\n".join(console for _, console in group), file=self._console, flush=True)

    async def lookup(self, reference: str) -> SendResult | None:
        if not self._lookups:
            raise LookupUnsupported("lookups switched off (SMS_DEV_LOOKUPS)", provider=self.name)
        async with self._lock:
            found = self._accepted.get(reference)
            if found is None:
                # The file is the provider's memory, shared by every replica using it: what
                # another process handed over since the last look counts too.
                self._catch_up()
                found = self._accepted.get(reference)
        return SendResult(found) if found is not None else None

    def _catch_up(self) -> None:
        """Read the lines appended since the last look (complete lines only)."""
        if not self._outbox.exists():
            return
        with self._outbox.open("rb") as f:
            f.seek(self._read_to)
            chunk = f.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._read_to += len(complete)
        for line in complete.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line torn by a killed writer was never accepted
            self._accepted[record["id"]] = record.get("message_id", f"dev-{record['id']}")

    @staticmethod
    def _console_line(sms: OutgoingSms) -> str:
        cost = format_amount(sms.price, sms.currency) if sms.currency else "free"
        paid = "" if sms.paid_by == "parent" else f", paid by {sms.paid_by}"
        parts = "part" if sms.parts == 1 else "parts"
        return (
            f"SMS -> {_console_phone(sms.phone)} [{sms.kind or 'sms'}] "
            f"({sms.parts} {parts}, {cost}{paid}): {sms.body}"
        )

    async def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
