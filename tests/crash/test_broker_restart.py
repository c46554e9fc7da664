"""The Kafka broker restarts mid-stream (Apache Kafka only: Tansu keeps no data across a
restart). Consumer and producers reconnect; nothing is lost or applied twice."""

from __future__ import annotations

import asyncio

import pytest

from devstack import ApacheKafka, EmbeddedStack
from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]


async def test_a_broker_restart_mid_stream_loses_nothing(
    storm: Storm, stack: EmbeddedStack
) -> None:
    broker = stack.broker
    if not isinstance(broker, ApacheKafka):
        pytest.skip("needs the Apache Kafka tier (make test-kafka): Tansu keeps data in memory")
    await storm.seed(classes=40, events=1000)
    await storm.start()

    async def restart_broker() -> None:
        await asyncio.sleep(storm.rng.uniform(4.0, 8.0))
        await asyncio.to_thread(broker.restart, 5.0)
        storm.faults["broker_restart"] += 1

    await asyncio.gather(storm.publish(storm.events, rate=60), restart_broker())

    assert_clean(await storm.verdict("Kafka broker restarted"), storm)
