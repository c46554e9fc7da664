"""One bound SMPP transceiver session, re-bound on demand with exponential backoff.

smpp34's Rust core does the protocol chores: the bind, `enquire_link` keep-alive on an idle
link and acknowledging every `deliver_sm`. The reader only moves inbound events into an
`InboundQueue` (see smpp_inbound.py: why it must never wait on anything).

This class decides *when* to bind: lazily on first use, again after the link drops, and
not before the backoff since the last failed bind has passed (a send meanwhile is refused
at once as a temporary failure, so the dispatcher is never held up by a dead SMSC).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import smpp34

from gateways.clock import Clock
from gateways.sms.base import SmsTemporaryFailure
from gateways.sms.smpp_inbound import Sink
from gateways.sms.smpp_receipts import IdBase

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    source_addr: str | None = None  # this SMSC's own sender; None: the message's sender
    window: int = 10  # submit_sm PDUs in flight on each bind
    binds: int = 1  # transceiver connections to this SMSC (SMPP_BINDS)
    bind_rate: float | None = None  # submits a second on each bind (None: unlimited)
    submit_timeout: float = 4.0  # no submit_sm_resp by then: in doubt
    connect_timeout: float = 5.0
    receipt_ids: IdBase = "same"  # how this SMSC writes ids in receipts
    backoff_min: timedelta = timedelta(seconds=1)
    backoff_max: timedelta = timedelta(minutes=2)
    receipt_workers: int = 16  # receipts recorded side by side (each takes DB round trips)


# Room in smpp34's own inbound queue. Our reader empties it at once; it only has to absorb
# a scheduling hiccup, because a full one answers the SMSC with a malformed PDU.
CORE_INBOUND_CAPACITY = 65_536
PULLS = 32  # next() calls waiting at once on each bind (see _read)


class SmppSession:
    def __init__(self, config: SmppConfig, clock: Clock, inbound: Sink, name: str) -> None:
        self._config, self._clock, self._name = config, clock, name
        self._inbound = inbound
        self._lock = asyncio.Lock()
        self._client: smpp34.Client | None = None
        self._smsc: smpp34.Smsc | None = None
        self._reader: asyncio.Task[None] | None = None
        self._backoff = config.backoff_min
        self._retry_at: datetime | None = None
        self._stopping: set[asyncio.Future[None]] = set()

    @property
    def backing_off(self) -> bool:
        """The last bind failed and the backoff has not passed: a send here is refused."""
        return self._retry_at is not None and self._clock.now() < self._retry_at

    async def bound(self) -> smpp34.Smsc:
        if self._smsc is not None and self._reader is not None and not self._reader.done():
            # The reader forgets a dropped link the moment smpp34 reports it; asking smpp34
            # first (is_alive) cost a round trip through its runtime on every message. A
            # submit in the moment between costs only an in-doubt verdict, the safe one.
            return self._smsc
        async with self._lock:
            if self._smsc is not None and self._client is not None:
                if await self._client.is_alive():
                    return self._smsc
                self.forget(self._smsc)  # dropped before the reader noticed
            now = self._clock.now()
            if self._retry_at is not None and now < self._retry_at:
                raise SmsTemporaryFailure(
                    f"SMSC unreachable, next bind at {self._retry_at:%H:%M:%S}", provider=self._name
                )
            return await self._bind(now)

    async def _bind(self, now: datetime) -> smpp34.Smsc:
        c = self._config
        client = smpp34.Client(
            c.host, c.port, c.system_id, c.password, bind_type="TRX",
            system_type=c.system_type, window_size=c.window,
            connect_timeout_ms=int(c.connect_timeout * 1000),
            inbound_capacity=CORE_INBOUND_CAPACITY,
        )  # fmt: skip
        try:
            smsc = await asyncio.wait_for(client.connect(), c.connect_timeout)
        except (TimeoutError, OSError, RuntimeError, smpp34.SmppError) as exc:
            self._retry_at = now + self._backoff
            self._backoff = min(self._backoff * 2, c.backoff_max)
            why = _bind_failure(exc, c)
            log.error("%s: %s; next bind at %s", self._name, why, f"{self._retry_at:%H:%M:%S}")
            raise SmsTemporaryFailure(why, provider=self._name) from exc
        self._backoff, self._retry_at = c.backoff_min, None
        self._client, self._smsc = client, smsc
        self._reader = asyncio.create_task(self._read(smsc), name=f"{self._name}-receipts")
        log.info("%s: bound to %s:%s as %s", self._name, c.host, c.port, c.system_id)
        return smsc

    async def _read(self, smsc: smpp34.Smsc) -> None:
        """Several next() calls wait at once: each hands over one event per turn of the
        event loop, and a loop busy with submits turns only so often (one pull took ~750
        receipts/s off a link carrying 3,500 submits/s, the rest piling up in smpp34).
        Two receipts a moment apart may so be handed over in either order; an SMSC sends
        one final receipt per part, and a part's first final state sticks."""
        pulls = [asyncio.create_task(self._pull(smsc)) for _ in range(PULLS)]
        try:
            await asyncio.wait(pulls, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pull in pulls:
                pull.cancel()
            await asyncio.gather(*pulls, return_exceptions=True)

    async def _pull(self, smsc: smpp34.Smsc) -> None:
        while True:
            event = await smsc.next()
            if isinstance(event, smpp34.Disconnected):
                log.warning("%s: SMSC link lost; re-binding on next send", self._name)
                self.forget(smsc)
                return
            self._inbound(event)  # never awaits: see smpp_inbound

    async def unanswered(self, smsc: smpp34.Smsc, exc: Exception) -> str:
        """What happened to a submit that smpp34 failed without a submit_sm_resp, for the
        log (and forget the link). The core reports every such failure as ESME_RSYSERR, a
        dropped link too, so that code alone would blame the SMSC for what it never said."""
        client = self._client if self._smsc is smsc else None
        alive = client is not None and await client.is_alive()
        self.forget(smsc)
        if not alive:
            return "SMSC link dropped before the submit was answered"
        return f"no submit_sm_resp on a live link (generic_nack or smpp34 gave up: {exc})"

    def forget(self, smsc: smpp34.Smsc) -> None:
        """The link is dead (dropped, or a submit failed on it): bind afresh next time."""
        if self._smsc is smsc:
            self._smsc = None
            if self._reader is not None:
                # Its pulls would wait forever: a stopped session never says Disconnected.
                self._reader.cancel()
            if self._client is not None:
                task = asyncio.ensure_future(self._client.stop())  # smpp34 gives a Future
                self._stopping.add(task)
                task.add_done_callback(self._stopping.discard)
                self._client = None

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._smsc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._smsc.unbind(), 2)
        if self._client is not None:
            await self._client.stop()
        await asyncio.gather(*self._stopping, return_exceptions=True)
        self._client = self._smsc = self._reader = None


def _bind_failure(exc: Exception, c: SmppConfig) -> str:
    """smpp34 reports a bind the SMSC refused (wrong password or system_id, account locked)
    as "bind timed out", never with the bind_resp status: say what that most likely means."""
    where = f"cannot bind to {c.host}:{c.port} as {c.system_id}"
    if isinstance(exc, TimeoutError) or "bind timed out" in str(exc):
        return (
            f"{where}: the SMSC took the connection but did not bind us within"
            f" {c.connect_timeout:g} s - check SMPP_SYSTEM_ID / SMPP_PASSWORD"
            " (a refused bind looks like this)"
        )
    return f"{where}: {exc}"
