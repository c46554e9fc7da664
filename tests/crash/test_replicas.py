"""Two replicas in one consumer group, both dispatching; one dies mid-stream and is not
restarted. The survivor takes over its partitions and its unfinished sends: same end
state as a calm run, no SMS twice."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]


async def test_a_replica_killed_mid_stream_leaves_the_other_to_finish_alone(storm: Storm) -> None:
    await storm.seed(classes=40, events=1000)
    # Lost acknowledgements on both: the survivor asks the provider about sends in doubt,
    # its own and those it takes over from the dead replica.
    lossy = {"SMS_DEV_LOSE_ACK_RATE": "0.02"}
    doomed, _survivor = await asyncio.gather(storm.start("a", **lossy), storm.start("b", **lossy))
    events = storm.events
    half = len(events) // 2

    await storm.publish(events[:half], rate=50)
    doomed.kill(signal.SIGKILL)  # while both are still busy with the first half
    storm.faults["SIGKILL"] += 1
    await storm.publish(events[half:], rate=50)

    assert_clean(await storm.verdict("two replicas, one SIGKILLed"), storm)
