"""A consumer that applied an event but died before committing its offset: the event comes
back after restart and is neither sent nor charged a second time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaConsumer

from notifier.app import HANDLERS, create_app
from notifier.applying import apply_batch
from notifier.clock import SystemClock
from notifier.handlers import HandlerContext
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.support import homework_assigned, received_sms, wait_for

pytestmark = pytest.mark.kafka


async def _apply_without_commit(settings: Settings, topic: str) -> int:
    """Play a consumer of the same group that applies one message and crashes."""
    consumer = AIOKafkaConsumer(
        settings.kafka_topic_prefix + topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.kafka_group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    ctx = HandlerContext(SystemClock(), settings.sms_max_parts, timedelta(hours=1))
    try:
        async with asyncio.timeout(20):
            while not (batch := await consumer.getmany(timeout_ms=500)):
                pass
        [record] = [r for records in batch.values() for r in records]
        async with asyncpg.create_pool(settings.database_url) as pool:
            applied = await apply_batch(pool, HANDLERS[topic], topic, [record], ctx)
        return applied.queued
    finally:
        await consumer.stop()  # no commit: the offset stays where it was


async def test_restart_before_commit_sends_and_charges_once(service: Service) -> None:
    settings = service.settings
    await service.enrol_with_parent("pup-r", "par-r")
    await service.wait_linked("par-r", "pup-r")
    await service.subscribe(
        parent_id="par-r", pupil_id="pup-r", phone="87771234567", types=["homework"],
        language="ru",
    )  # fmt: skip
    await service.credit("par-r", 100_00)
    await service.client.close()  # the service stops, committing what it consumed

    await service.publish("diary.homework", "c-5a", homework_assigned())
    assert await _apply_without_commit(settings, "diary.homework") == 1

    app = create_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        restarted = Service(client, settings)

        async def one_sent() -> bool:
            return len(received_sms(settings.sms_dev_outbox)) >= 1

        assert await wait_for(one_sent, 20)

        async def redelivery_seen() -> bool:
            metrics = await (await client.get("/metrics")).text()
            return 'topic="diary.homework"' in metrics and 'outcome="duplicate"' in metrics

        assert await wait_for(redelivery_seen, 20), "the uncommitted event was not redelivered"
        assert len(received_sms(settings.sms_dev_outbox)) == 1
        wallet = await restarted.wallet("par-r")
        [sms] = received_sms(settings.sms_dev_outbox)
        assert wallet["posted"] == 100_00 - sms["price"]
