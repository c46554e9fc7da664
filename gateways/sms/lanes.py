"""A provider's lane: the way every send to it goes in, however it was chosen (routing,
failover, or pinned to the provider an in-doubt send may be at)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gateways.sms.base import SmsProvider, SmsTemporaryFailure
from gateways.sms.breaker import CircuitBreaker
from gateways.sms.ratelimit import TokenBucket

Sleep = Callable[[float], Awaitable[None]]


class Queued(SmsTemporaryFailure):
    """Refused here, before the provider saw it: says nothing about the provider's health."""


@dataclass
class Lane:
    """One provider's way in: at most `bucket` messages/s and `in_flight` submits at once.
    A send that would wait longer than `max_wait` for either is refused as temporary before
    anything reaches the provider (so it can fail over, and a dispatcher's timeout never
    cancels it while it merely queues - which would look like a maybe-accepted send)."""

    provider: SmsProvider
    breaker: CircuitBreaker
    in_flight: asyncio.Semaphore
    bucket: TokenBucket | None = None
    max_wait: float = 2.0

    async def admit(self, sleep: Sleep) -> None:
        """Wait for a slot (rate and in-flight); the caller releases `in_flight` after the
        submit. Raises Queued when none comes within `max_wait`."""
        name = self.provider.name
        wait = self.bucket.reserve(self.max_wait) if self.bucket is not None else 0.0
        if wait is None:
            raise Queued("rate limit: no slot soon enough", provider=name)
        if wait > 0:
            await sleep(wait)
        try:  # not wait_for: a free slot costs no task and no turn of the event loop
            async with asyncio.timeout(self.max_wait):
                await self.in_flight.acquire()
        except TimeoutError as exc:
            raise Queued("too many submits in flight", provider=name) from exc
