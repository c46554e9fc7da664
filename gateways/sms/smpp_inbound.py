"""Inbound deliver_sm handled beside the link, never on it.

smpp34 acknowledges a deliver_sm only while its inbound queue (`inbound_capacity`) has room;
a full queue makes the core answer ESME_RMSGQFUL with a malformed PDU (header 16 octets, 17
on the wire) that desynchronises the SMSC's framing: the link then carries nothing until
timers give up (the ~70 s stall of issue 19). Recording a receipt takes database round
trips, so the session's reader does no such work: it takes each event off the core at once,
reads the receipt in it (no waiting) and hands it here.

Here items are taken in batches of what has arrived; within a batch, items about different
messages are handled side by side (at most `workers` at once), items about the same message
(any shared `keys`) one after another in arrival order, and one batch ends before the next
begins - so a part's receipts are judged in the order the SMSC sent them.

The backlog is in memory and unbounded on purpose: every event in it was acknowledged to the
SMSC already, so refusing one here would lose it. It can only grow as fast as receipts
arrive, i.e. as fast as the SMSC accepted our submits; `backlog` shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar

import smpp34

from gateways.sms.smpp_receipts import Receipt

log = logging.getLogger(__name__)
Item = TypeVar("Item")
# What an SMPP provider's queue carries: a receipt, and whether it already waited for a long
# SMS's parts to be recorded (gateways/sms/smpp_pending.py).
Inbound = tuple[Receipt, bool]
Sink = Callable[[smpp34.DeliverSmEvent], None]  # a session's reader hands each event to this
DRAIN_ON_CLOSE_SECONDS = 5.0
MAX_BATCH = 512


class InboundQueue(Generic[Item]):
    def __init__(
        self, handle: Callable[[Item], Awaitable[None]], keys: Callable[[Item], Iterable[str]],
        name: str, *, workers: int = 16,
    ) -> None:  # fmt: skip
        self._handle, self._keys, self._name, self._workers = handle, keys, name, workers
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    def put(self, item: Item) -> None:
        """Never waits: the reader that calls this must stay free to read."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self._name}-inbound")
        self._queue.put_nowait(item)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            groups = self._groups(batch)
            todo = iter(groups)  # shared: each worker takes the next group when it is free
            workers = min(self._workers, len(groups))
            try:
                await asyncio.gather(*(self._work(todo) for _ in range(workers)))
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _groups(self, batch: list[Item]) -> list[list[Item]]:
        """The batch split by message: items sharing a key in one group, in batch order."""
        root = list(range(len(batch)))

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = root[root[i]]
                i = root[i]
            return i

        first: dict[str, int] = {}
        for i, item in enumerate(batch):
            for key in self._keys(item):
                root[find(i)] = find(first.setdefault(key, i))
        groups: dict[int, list[Item]] = {}
        for i, item in enumerate(batch):
            groups.setdefault(find(i), []).append(item)
        return list(groups.values())

    async def _work(self, todo: Iterator[list[Item]]) -> None:
        for group in todo:
            for item in group:  # one message's items: one after another
                try:
                    await self._handle(item)
                except Exception:
                    # Acknowledged already; losing one receipt must not stop the others.
                    log.exception("%s: a deliver_sm could not be handled", self._name)

    async def close(self) -> None:
        """Finish what was acknowledged (for a while), then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), DRAIN_ON_CLOSE_SECONDS)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._queue.qsize():
            log.error("%s: %d receipts left unrecorded at shutdown", self._name, self.backlog)
        self._task = None
