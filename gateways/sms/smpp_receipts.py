"""SMPP delivery receipts: read them, match them to what we submitted, judge whole messages.

A receipt names an SMSC message id, and SMSCs disagree with themselves about how: the
submit_sm_resp may say `0A3F` and the receipt `2623` (the same number in decimal) or
`00000a3f`. Ids are compared in a canonical form (lower case, no leading zeros), and a
receipt id is also tried in the other base before it is given up as unknown.

A long text is several SMSC messages. A `PartStore` keeps each part's state: the message is
delivered only once every part is; the first part that fails decides the message, and no
later success overwrites it. One-part messages are not stored: their receipt id is read in
the base the SMSC is configured to use (`IdBase`).
"""

from __future__ import annotations

import functools
import re
import string
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

from gateways.sms.reports import FINAL, ReportStatus

# Receipt `stat:` values (SMPP 3.4 Appendix B) and message_state TLV values (5.3.2.35).
STAT: Final[dict[str, ReportStatus]] = {
    "DELIVRD": "delivered", "EXPIRED": "expired", "DELETED": "failed", "UNDELIV": "undeliverable",
    "ACCEPTD": "submitted", "ENROUTE": "submitted", "UNKNOWN": "failed", "REJECTD": "failed",
}  # fmt: skip
MESSAGE_STATE: Final[dict[int, ReportStatus]] = {
    1: "submitted", 2: "delivered", 3: "expired", 4: "failed",
    5: "undeliverable", 6: "submitted", 7: "failed", 8: "failed",
}  # fmt: skip
_FIELD = re.compile(r"(id|stat|err):(\S*)", re.IGNORECASE)
_HEX = frozenset(string.hexdigits)


@dataclass(frozen=True)
class Receipt:
    message_id: str
    status: ReportStatus
    detail: str


def canonical_id(message_id: str) -> str:
    return message_id.strip().lower().lstrip("0") or "0"


def id_candidates(receipt_id: str) -> list[str]:
    """The receipt id as given, then read as decimal-for-hex and hex-for-decimal."""
    return list(_candidates(receipt_id))


@functools.lru_cache(maxsize=4096)  # each receipt's id is looked up three times in a row
def _candidates(receipt_id: str) -> tuple[str, ...]:
    raw = receipt_id.strip()
    found = [canonical_id(raw)]
    if raw.isdigit():
        found.append(canonical_id(format(int(raw), "x")))
    if raw and set(raw) <= _HEX:
        found.append(canonical_id(str(int(raw, 16))))
    return tuple(dict.fromkeys(found))


def parse_receipt(text: bytes, receipted_id: str | None, state: int | None) -> Receipt | None:
    """A receipt from its text (`id:… stat:… err:…`) and TLVs (which win when present)."""
    fields = {k.lower(): v for k, v in _FIELD.findall(text.decode("latin-1"))}
    message_id = receipted_id or fields.get("id")
    stat = fields.get("stat", "").upper()
    status = MESSAGE_STATE.get(state) if state is not None else STAT.get(stat)
    if not message_id or status is None:
        return None
    detail = f"stat:{stat or state} err:{fields.get('err', '-')}"
    return Receipt(message_id=message_id, status=status, detail=detail)


IdBase = Literal["same", "decimal_of_hex", "hex_of_decimal"]
Tracked = tuple[str, ReportStatus | None]


def untracked_id(receipt_id: str, base: IdBase) -> str:
    """A receipt id for a message no store knows (one part): read in the base the SMSC uses."""
    raw = receipt_id.strip()
    if base == "decimal_of_hex" and raw.isdigit():
        return canonical_id(format(int(raw), "x"))
    if base == "hex_of_decimal" and raw and set(raw) <= _HEX:
        return canonical_id(str(int(raw, 16)))
    return canonical_id(raw)


def verdict(states: Sequence[ReportStatus | None]) -> ReportStatus | None:
    """A message's final state from its parts' first final states, or None while undecided:
    the first failing part decides; delivered only when every part is."""
    failed = next((s for s in states if s in FINAL and s != "delivered"), None)
    if failed is not None:
        return failed
    return "delivered" if all(s == "delivered" for s in states) else None


class PartStore(Protocol):
    """Per-part receipt state of the multi-part messages a provider submitted: in memory
    (`MemoryParts`) or in PostgreSQL (notifier/sms_parts.py, survives restarts)."""

    async def register(self, provider: str, part_ids: list[str]) -> None:
        """The canonical SMSC ids of one message's parts, first part first."""
        ...

    async def receipt(self, provider: str, receipt_id: str, status: ReportStatus) -> Tracked | None:
        """(message id, its verdict - None while undecided or once already decided) when the
        receipt is about a registered part; None when it is about no registered message."""
        ...


@dataclass
class _Message:
    parts: list[str]
    states: dict[str, ReportStatus] = field(default_factory=dict)
    decided: bool = False


class MemoryParts:
    """PartStore in this process's memory, bounded (the oldest messages are forgotten)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._messages: OrderedDict[str, _Message] = OrderedDict()
        self._part_of: dict[str, str] = {}
        self._capacity = capacity

    async def register(self, provider: str, part_ids: list[str]) -> None:
        self._messages[part_ids[0]] = _Message(parts=part_ids)
        for part in part_ids:
            self._part_of[part] = part_ids[0]
        while len(self._messages) > self._capacity:
            self._forget(next(iter(self._messages)))

    async def receipt(self, provider: str, receipt_id: str, status: ReportStatus) -> Tracked | None:
        part = next((c for c in id_candidates(receipt_id) if c in self._part_of), None)
        if part is None:
            return None
        message_id = self._part_of[part]
        message = self._messages[message_id]
        if message.decided:
            return message_id, None  # its other parts' receipts change nothing
        if message.states.get(part) not in FINAL:
            message.states[part] = status  # a part's first final state sticks
        decided = verdict([message.states.get(p) for p in message.parts])
        message.decided = decided is not None
        return message_id, decided

    def _forget(self, message_id: str) -> None:
        message = self._messages.pop(message_id)
        for part in message.parts:
            self._part_of.pop(part, None)
