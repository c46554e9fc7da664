"""Inbound deliver_sm handled beside the link, never on it.

smpp34 acknowledges a deliver_sm only while its inbound queue (`inbound_capacity`) has room;
a full queue makes the core answer ESME_RMSGQFUL with a malformed PDU (header 16 octets, 17
on the wire) that desynchronises the SMSC's framing: the link then carries nothing until
timers give up (the ~70 s stall of issue 19). Recording a receipt takes database round
trips, so the session's reader does no such work: it takes each event off the core at once
and hands it here, where `workers` tasks record receipts side by side.

The backlog is in memory and unbounded on purpose: every event in it was acknowledged to the
SMSC already, so refusing one here would lose it. It can only grow as fast as receipts
arrive, i.e. as fast as the SMSC accepted our submits; `backlog` shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import smpp34

log = logging.getLogger(__name__)
Handler = Callable[[smpp34.DeliverSmEvent], Awaitable[None]]
DRAIN_ON_CLOSE_SECONDS = 5.0


class InboundQueue:
    def __init__(self, handle: Handler, name: str, *, workers: int = 16) -> None:
        self._handle, self._name, self._workers = handle, name, workers
        self._queue: asyncio.Queue[smpp34.DeliverSmEvent] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    def put(self, event: smpp34.DeliverSmEvent) -> None:
        """Never waits: the reader that calls this must stay free to read."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._work(), name=f"{self._name}-inbound-{i}")
                for i in range(self._workers)
            ]
        self._queue.put_nowait(event)

    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._handle(event)
            except Exception:
                # Acknowledged already; losing one receipt must not stop the others.
                log.exception("%s: a deliver_sm could not be handled", self._name)
            finally:
                self._queue.task_done()

    async def close(self) -> None:
        """Finish what was acknowledged (for a while), then stop the workers."""
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), DRAIN_ON_CLOSE_SECONDS)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._queue.qsize():
            log.error("%s: %d receipts left unrecorded at shutdown", self._name, self.backlog)
        self._tasks = []
