"""RoutedProvider: one SmsProvider in front of several, with failover that never duplicates.

For a number it tries the route's providers in order, and moves to the next only when the
current one *certainly* does not have the message: it refused with `SmsTemporaryFailure`, or
its circuit breaker is open. `SmsRejected` (a bad number, refused content) and `SmsInDoubt`
(maybe accepted) end the attempt at once: a maybe-accepted message is never handed to a
second provider. `in_doubt_at(reference)` names the provider it may be at (also when the
caller's timeout cancelled the send); the dispatcher keeps that name on the outbox row
(`in_doubt_provider`), so after a restart too the message is looked up (`lookup_at`) and
re-sent (`send_at`) only there. The result names the provider that accepted
(`SendResult.provider`), so delivery reports are matched to the right one.

Each provider has a lane (lanes.py): a token bucket (messages/s), a bound on submits in
flight and a circuit breaker.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal, Protocol

from gateways.sms.base import (
    GatewayError,
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.breaker import State
from gateways.sms.lanes import Lane, Sleep
from gateways.sms.routing import Routes, route_for

REMEMBERED_IN_DOUBT = 100_000
ErrorClass = Literal["retryable", "permanent", "in_doubt"]


class SendObserver(Protocol):
    """Told of every submit that reached a provider: how long its answer took and, when it
    did not accept, the class of the failure (notifier.metrics.Metrics is one)."""

    def submitted(self, provider: str, seconds: float | None, error: ErrorClass | None) -> None: ...


class _Unobserved:
    def submitted(self, provider: str, seconds: float | None, error: ErrorClass | None) -> None:
        pass


class RoutedProvider:
    name = "routed"

    def __init__(
        self, lanes: Mapping[str, Lane], routes: Routes, *, sleep: Sleep = asyncio.sleep,
        observer: SendObserver | None = None,
    ) -> None:  # fmt: skip
        self.lanes, self._routes, self._sleep = dict(lanes), routes, sleep
        self._observer = observer or _Unobserved()
        # Our reference -> the provider a maybe-accepted send went to (`in_doubt_at`); a later
        # send of it goes there alone. Memory only: the dispatcher keeps it on the outbox row.
        self._in_doubt: OrderedDict[str, str] = OrderedDict()

    async def send(self, sms: OutgoingSms) -> SendResult:
        sticky = self._in_doubt.get(sms.reference)
        if sticky is not None:
            return await self.send_at(sticky, sms)  # only where it may already be
        names = [n for n in route_for(self._routes, sms.phone) if n in self.lanes]
        if not names:
            raise SmsRejected(f"no SMS route to {sms.phone[:5]}...", provider=self.name,
                              status="no_route")  # fmt: skip
        refusals: list[GatewayError] = []
        for name in names:
            try:
                return await self.send_at(name, sms)
            except SmsTemporaryFailure as exc:
                refusals.append(exc)
        summary = "; ".join(f"{e.provider}: {e}" for e in refusals)
        raise SmsTemporaryFailure(f"no provider took it ({summary})", provider=self.name) from (
            refusals[-1]
        )

    async def send_at(self, provider: str, sms: OutgoingSms) -> SendResult:
        """Send through this one provider's lane (rate limit, in-flight bound, breaker), never
        another: the re-send of a message that may already be there. Its breaker open or no
        slot soon -> SmsTemporaryFailure (the message waits); a provider no longer configured
        -> SmsRejected (nobody else may send what it may have)."""
        lane = self.lanes.get(provider)
        if lane is None:
            raise SmsRejected(f"{provider} may have it and is not configured any more",
                              provider=provider, status="not_configured")  # fmt: skip
        if not lane.breaker.allows():
            raise SmsTemporaryFailure("circuit open", provider=provider)
        try:
            result = await self._attempt(provider, lane, sms)
        except (SmsInDoubt, asyncio.CancelledError):
            self._remember(sms.reference, provider)  # a caller's timeout too: maybe sent
            raise
        self._in_doubt.pop(sms.reference, None)
        return replace(result, provider=provider)

    def in_doubt_at(self, reference: str) -> str | None:
        """The provider a send of `reference` ended in doubt at (None: none did, here)."""
        return self._in_doubt.get(reference)

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
        if known is not None:
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
        """Ask the one provider an in-doubt send went to (`in_doubt_at`, or the outbox row's
        `in_doubt_provider` after a restart); LookupUnsupported when it is not configured."""
        lane = self.lanes.get(provider)
        if lane is None:
            raise LookupUnsupported(f"{provider} is not configured any more", provider=provider)
        found = await lane.provider.lookup(reference)
        return replace(found, provider=provider) if found is not None else None

    def states(self) -> dict[str, State]:
        """Each provider's circuit breaker: closed, open or half_open (read-only)."""
        return {name: lane.breaker.state for name, lane in self.lanes.items()}

    async def close(self) -> None:
        await asyncio.gather(*(lane.provider.close() for lane in self.lanes.values()))
