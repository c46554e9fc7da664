"""Dev provider: the "handset" is a JSON-lines file, and a line on the console."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from billing.money import format_amount
from gateways.sms.base import OutgoingSms, SendResult


def _console_phone(phone: str) -> str:
    return phone[:5] + "..."


class DevSmsProvider:
    name = "dev"

    def __init__(self, outbox: Path, console: TextIO | None = None) -> None:
        self._outbox = outbox
        self._console = console if console is not None else sys.stdout
        self._lock = asyncio.Lock()
        outbox.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, sms: OutgoingSms) -> SendResult:
        record = {
            "id": sms.reference,
            "to": sms.phone,
            "from": sms.sender,
            "text": sms.body,
            "parts": sms.parts,
            "encoding": sms.encoding,
            "price": sms.price,
            "currency": sms.currency,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        async with self._lock:
            with self._outbox.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        cost = format_amount(sms.price, sms.currency) if sms.currency else "free"
        parts = "part" if sms.parts == 1 else "parts"
        print(
            f"SMS -> {_console_phone(sms.phone)} ({sms.parts} {parts}, {cost}): {sms.body}",
            file=self._console,
            flush=True,
        )
        return SendResult(provider_message_id=f"dev-{sms.reference}")

    async def close(self) -> None:
        return None
