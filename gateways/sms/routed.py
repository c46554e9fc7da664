"""RoutedProvider: one SmsProvider in front of several, with failover that never duplicates.

For a number it tries the route's providers in order, and moves to the next only when the
current one *certainly* does not have the message: it refused with `SmsTemporaryFailure`, or
its circuit breaker is open. `SmsRejected` (a bad number, refused content) and `SmsInDoubt`
(maybe accepted) end the attempt at once: a maybe-accepted message is never handed to a
second provider - a later send of the same reference goes only to the provider that may
have it (remembered in memory; after a restart the route is followed again). The result
names the provider that accepted (`SendResult.provider`), as does
`SmsInDoubt.provider`, so reports and in-doubt lookups go to the right one.

Each provider has a lane: a token bucket (messages/s) and a bound on submits in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from gateways.sms.base import (
    GatewayError,
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsProvider,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.breaker import CircuitBreaker, State
from gateways.sms.ratelimit import TokenBucket
from gateways.sms.routing import Routes, route_for

Sleep = Callable[[float], Awaitable[None]]
REMEMBERED_IN_DOUBT = 100_000
ErrorClass = Literal["retryable", "permanent", "in_doubt"]


class SendObserver(Protocol):
    """Told of every submit that reached a provider: how long its answer took and, when it
    did not accept, the class of the failure (notifier.metrics.Metrics is one)."""

    def submitted(self, provider: str, seconds: float | None, error: ErrorClass | None) -> None: ...


class _Unobserved:
    def submitted(self, provider: str, seconds: float | None, error: ErrorClass | None) -> None:
        pass


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
        try:
            await asyncio.wait_for(self.in_flight.acquire(), self.max_wait)
        except TimeoutError as exc:
            raise Queued("too many submits in flight", provider=name) from exc


class RoutedProvider:
    name = "routed"

    def __init__(
        self, lanes: Mapping[str, Lane], routes: Routes, *, sleep: Sleep = asyncio.sleep,
        observer: SendObserver | None = None,
    ) -> None:  # fmt: skip
        self.lanes, self._routes, self._sleep = dict(lanes), routes, sleep
        self._observer = observer or _Unobserved()
        # Our reference -> the provider a maybe-accepted send went to, so `lookup` asks it
        # alone (in memory: after a restart every provider is asked).
        self._in_doubt: OrderedDict[str, str] = OrderedDict()

    async def send(self, sms: OutgoingSms) -> SendResult:
        names = self._candidates(sms)
        if not names:
            raise SmsRejected(f"no SMS route to {sms.phone[:5]}...", provider=self.name,
                              status="no_route")  # fmt: skip
        refusals: list[GatewayError] = []
        for name in names:
            lane = self.lanes[name]
            if not lane.breaker.allows():
                refusals.append(SmsTemporaryFailure("circuit open", provider=name))
                continue
            try:
                result = await self._attempt(name, lane, sms)
            except SmsTemporaryFailure as exc:
                refusals.append(exc)
                continue
            except (SmsInDoubt, asyncio.CancelledError):
                self._remember(sms.reference, name)  # a caller's timeout too: maybe sent
                raise
            self._in_doubt.pop(sms.reference, None)
            return replace(result, provider=name)
        summary = "; ".join(f"{e.provider}: {e}" for e in refusals)
        raise SmsTemporaryFailure(f"no provider took it ({summary})", provider=self.name) from (
            refusals[-1]
        )

    def _candidates(self, sms: OutgoingSms) -> list[str]:
        sticky = self._in_doubt.get(sms.reference)
        if sticky is not None and sticky in self.lanes:
            return [sticky]  # re-sent after an in-doubt: only where it may already be
        return [n for n in route_for(self._routes, sms.phone) if n in self.lanes]

    async def _attempt(self, name: str, lane: Lane, sms: OutgoingSms) -> SendResult:
        await lane.admit(self._sleep)  # Queued: the provider never saw it, says nothing of it
        started = time.monotonic()
        try:
            result = await lane.provider.send(sms)
        except SmsRejected:
            lane.breaker.succeeded()  # it answered: healthy, the message was the problem
            self._observer.submitted(name, time.monotonic() - started, "permanent")
            raise
        except SmsTemporaryFailure:
            lane.breaker.failed()
            self._observer.submitted(name, time.monotonic() - started, "retryable")
            raise
        except BaseException:
            lane.breaker.failed()  # timed out, in doubt, or cancelled mid-trial
            self._observer.submitted(name, None, "in_doubt")  # no answer: no latency
            raise
        finally:
            lane.in_flight.release()
        lane.breaker.succeeded()
        self._observer.submitted(name, time.monotonic() - started, None)
        return result

    def _remember(self, reference: str, provider: str) -> None:
        self._in_doubt[reference] = provider
        self._in_doubt.move_to_end(reference)
        while len(self._in_doubt) > REMEMBERED_IN_DOUBT:
            self._in_doubt.popitem(last=False)

    async def lookup(self, reference: str) -> SendResult | None:
        """Asks the provider the in-doubt send went to, or (not known) every provider: found
        -> with its name; None only if every provider asked said "no"."""
        known = self._in_doubt.get(reference)
        if known is not None and known in self.lanes:
            return await self.lookup_at(known, reference)
        unsure: list[GatewayError] = []
        for name, lane in self.lanes.items():
            try:
                found = await lane.provider.lookup(reference)
            except (LookupUnsupported, SmsTemporaryFailure) as exc:
                unsure.append(exc)
                continue
            if found is not None:
                return replace(found, provider=name)
        if any(isinstance(e, SmsTemporaryFailure) for e in unsure):
            raise SmsTemporaryFailure("a provider cannot tell now", provider=self.name)
        if unsure:
            raise LookupUnsupported("a provider cannot be asked", provider=self.name)
        return None

    async def lookup_at(self, provider: str, reference: str) -> SendResult | None:
        """Ask the one provider an in-doubt send went to (`SmsInDoubt.provider`)."""
        found = await self.lanes[provider].provider.lookup(reference)
        return replace(found, provider=provider) if found is not None else None

    def states(self) -> dict[str, State]:
        """Each provider's circuit breaker: closed, open or half_open (read-only)."""
        return {name: lane.breaker.state for name, lane in self.lanes.items()}

    async def close(self) -> None:
        await asyncio.gather(*(lane.provider.close() for lane in self.lanes.values()))
