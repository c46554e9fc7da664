"""Messages parents send *to* our sender (mobile-originated, "MO"), from every provider.

SMPP hands them over as deliver_sm PDUs that are not receipts; HTTP providers post them to
`POST /internal/v1/incoming-sms`. Either way they become one `Incoming` and go to one sink,
which the app wires to `notifier.manager.stop.apply_reply` (a reply of STOP unsubscribes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

DATA_CODING_UCS2: Final = 0x08


@dataclass(frozen=True)
class Incoming:
    provider: str
    phone: str  # as the provider wrote it; the sink normalises it
    text: str
    at: datetime
    provider_message_id: str | None = None  # SMPP's deliver_sm carries none


IncomingSink = Callable[[Incoming], Awaitable[None]]


def decode_short_message(data_coding: int, short_message: bytes) -> str:
    """An MO text: UCS-2 (data_coding 8) as UTF-16-BE, anything else as the SMSC's default
    alphabet, which smpp34 hands over unpacked; its Latin letters and digits are ASCII."""
    if data_coding == DATA_CODING_UCS2:
        return short_message.decode("utf-16-be", errors="replace")
    return short_message.decode("latin-1")
