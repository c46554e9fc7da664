"""PostgreSQL goes away under the service: connections cut a dozen times, the server down
for 10 s mid-stream and again while idle; and three rolling (SIGTERM) restarts in a burst.
Nothing is skipped, nothing is sent twice, every hold is settled."""

from __future__ import annotations

import asyncio
import signal

import pytest

from devstack import EmbeddedStack
from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]


async def _cut_connections_and_stop_database(storm: Storm, stack: EmbeddedStack) -> None:
    assert stack.postgres is not None
    for round_ in range(12):
        await asyncio.sleep(storm.rng.uniform(0.3, 1.5))
        await storm.terminate_backends()
        if round_ == 6:
            await asyncio.to_thread(stack.postgres.restart, 10.0)
            storm.faults["postgres_down_10s"] += 1


async def test_database_connections_cut_and_server_down_lose_nothing(
    storm: Storm, stack: EmbeddedStack
) -> None:
    if stack.postgres is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): it cannot be stopped from here")
    await storm.seed(classes=40, events=1000)
    head, tail = storm.events[:900], storm.events[900:]
    await storm.start()

    await asyncio.gather(
        storm.publish(head, rate=40), _cut_connections_and_stop_database(storm, stack)
    )
    storm.events = head
    await storm.drained()  # then idle (the verdict tells if it never caught up)
    await asyncio.to_thread(stack.postgres.restart, 10.0)  # while idle
    storm.faults["postgres_down_10s_idle"] += 1
    storm.events = head + tail
    await storm.publish(tail, rate=50)

    assert_clean(await storm.verdict("postgres cut x12, down 10s x2"), storm)


async def test_three_rolling_restarts_during_a_burst_lose_nothing(storm: Storm) -> None:
    await storm.seed(classes=40, events=1000)
    service = await storm.start()

    async def restarts() -> None:
        for _ in range(3):
            await asyncio.sleep(storm.rng.uniform(1.0, 3.0))
            await storm.restart(service, signal.SIGTERM)

    await asyncio.gather(storm.publish(storm.events, rate=250), restarts())

    assert_clean(await storm.verdict("SIGTERM x3 in a burst"), storm)
