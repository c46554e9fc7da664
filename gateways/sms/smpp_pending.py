"""Receipts for the parts of a long SMS that is still being submitted.

An SMSC may send a part's receipt as soon as it answers that part's submit_sm, before the
later parts are submitted and the message's parts are in the PartStore. Judged then, the
receipt would look like a one-part message's (and the first part's id is the message's
id: its receipt alone would decide the message). So:

* each part id is noted as its answer comes; a receipt for a noted id waits for the
  message's parts to be recorded;
* smpp34 hands us answers and receipts on two channels, so a receipt may even be seen
  before its part's answer: a receipt that matches nothing waits, while long SMS are being
  sent, until every long SMS that was being sent when it came has been recorded.

Waiting costs no worker: a waiting receipt is parked and handed back (`ready`) when the
sends it waits for finish. One-part SMS sent while no long SMS is in flight never wait.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from itertools import count

from gateways.sms.smpp_receipts import Receipt, id_candidates


class PendingParts:
    def __init__(self) -> None:
        self._waiting: dict[str, list[Receipt]] = {}  # part id -> its receipts so far
        self._sends: OrderedDict[int, None] = OrderedDict()  # long SMS being sent, by start
        self._numbers = count(1)
        self._latest = 0
        self._parked: deque[tuple[int, Receipt]] = deque()  # (latest send then, receipt)

    def start(self) -> int:
        """A long SMS is about to be submitted: its number, for `finish`."""
        self._latest = next(self._numbers)
        self._sends[self._latest] = None
        return self._latest

    def note(self, part_id: str) -> None:
        """A part of a long SMS was accepted under this (canonical) id."""
        self._waiting.setdefault(part_id, [])

    def hold(self, receipt: Receipt) -> bool:
        """Keep a receipt about a noted part, or one that may be (long SMS are being sent);
        False: judge it now."""
        for candidate in id_candidates(receipt.message_id):
            if candidate in self._waiting:
                self._waiting[candidate].append(receipt)
                return True
        if not self._sends:
            return False
        self._parked.append((self._latest, receipt))
        return True

    def finish(self, number: int, part_ids: list[str]) -> list[Receipt]:
        """The long SMS is recorded (or never will be): the receipts to judge now."""
        self._sends.pop(number, None)
        ready = [r for part in part_ids for r in self._waiting.pop(part, [])]
        oldest = next(iter(self._sends), None)
        while self._parked and (oldest is None or self._parked[0][0] < oldest):
            ready.append(self._parked.popleft()[1])
        return ready
