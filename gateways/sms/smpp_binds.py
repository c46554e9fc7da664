"""Several binds to one SMSC (SMPP_BINDS): operators sell throughput per bind, each with its
own window and rate, and let an account hold several.

Each bind is its own session with its own window (submits in flight: smpp34 does not
enforce `window_size`, this does) and its own token bucket. A message is given to the bind
with the most room (the first, among equals, that is not backing off from a failed bind),
and all its parts go on that bind, in order. Receipts may come back on any bind: every
session hands them to the provider's one InboundQueue. The SMSC's breaker is the lane's,
one for all binds: the binds share the account, its credentials and its health.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import smpp34

from gateways.clock import Clock
from gateways.sms.base import SmsTemporaryFailure
from gateways.sms.ratelimit import TokenBucket
from gateways.sms.smpp_inbound import Sink
from gateways.sms.smpp_session import SmppConfig, SmppSession


@dataclass
class Bind:
    session: SmppSession
    window: asyncio.Semaphore
    bucket: TokenBucket | None
    load: int = 0  # messages given to this bind and not finished (`Binds.pick`, `done`)

    async def __aenter__(self) -> None:
        """`async with bind:` one submit's place in this bind's window, once its rate allows
        (a class, not a generator: this runs for every part)."""
        if self.bucket is not None and (wait := self.bucket.reserve()):
            await asyncio.sleep(wait)
        await self.window.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.window.release()


class Binds:
    def __init__(self, config: SmppConfig, clock: Clock, inbound: Sink, name: str) -> None:
        self.all = [
            Bind(
                SmppSession(config, clock, inbound, f"{name}#{n}" if config.binds > 1 else name),
                asyncio.Semaphore(config.window),
                TokenBucket(clock, rate=config.bind_rate, burst=max(1, int(config.bind_rate)))
                if config.bind_rate else None,
            )
            for n in range(1, config.binds + 1)
        ]  # fmt: skip

    async def pick(self) -> tuple[Bind, smpp34.Smsc]:
        """The least loaded bind that is not backing off, bound (binding it if need be), for
        one whole message; the caller calls `done` after it. Raises SmsTemporaryFailure when
        no bind can be bound now."""
        ready = [b for b in self.all if not b.session.backing_off] or self.all
        failure: SmsTemporaryFailure | None = None
        for bind in sorted(ready, key=lambda b: b.load):
            bind.load += 1  # counted before any await, so concurrent picks spread
            try:
                return bind, await bind.session.bound()
            except SmsTemporaryFailure as exc:
                bind.load -= 1
                failure = exc
        assert failure is not None
        raise failure

    @staticmethod
    def done(bind: Bind) -> None:
        bind.load -= 1

    async def close(self) -> None:
        await asyncio.gather(*(b.session.close() for b in self.all))
