"""The machine dies mid-stream: SIGKILL at random moments, a supervisor restarts the service.
Every paid SMS still reaches the handset once, and nobody pays for one that did not."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]


async def _kill_at_random_moments(storm: Storm, kills: int) -> None:
    service = storm.services[0]
    for _ in range(kills):
        await asyncio.sleep(storm.rng.uniform(0.5, 3.0))
        await storm.restart(service, signal.SIGKILL)


async def test_sigkill_at_ten_random_moments_loses_nothing_and_sends_nothing_twice(
    storm: Storm,
) -> None:
    await storm.seed(classes=40, events=1200)
    # The provider "loses" 2% of acknowledgements: the in-doubt path runs too.
    await storm.start(SMS_DEV_LOSE_ACK_RATE="0.02")

    await asyncio.gather(
        storm.publish(storm.events, rate=40), _kill_at_random_moments(storm, kills=10)
    )

    assert_clean(await storm.verdict("sigkill x10"), storm)
