"""`make run`'s demo week of grades becomes weekly digests on the parents' handsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from notifier.demo.school import SCHOOL_ID, demo_families
from notifier.demo.simulator import DiarySimulator, digests_any_time, subscribe_and_top_up
from notifier.demo.week import week_of_grades
from tests.e2e.conftest import Service
from tests.support import received_sms, wait_for

pytestmark = pytest.mark.kafka
HEADS = ("оценки", "бағалары", "баалары")


async def test_the_demo_week_is_sent_as_digests_when_ops_trigger_it(service: Service) -> None:
    families = demo_families()[:6]
    token = service.settings.internal_api_token
    assert token is not None
    producer = AIOKafkaProducer(
        bootstrap_servers=service.settings.kafka_bootstrap_servers, enable_idempotence=False
    )
    await producer.start()
    try:
        diary = DiarySimulator(producer, service.settings.kafka_topic_prefix)
        await diary.publish_roster(families)
        base_url = str(service.client.make_url(""))
        await subscribe_and_top_up(base_url, token.get_secret_value(), families)
        week = await diary.publish_week(families)
        await digests_any_time(base_url, token.get_secret_value())
    finally:
        await producer.stop()
    events = week_of_grades(families, datetime.now(UTC).date() - timedelta(days=7))
    grade_ids = {e.grade_id for e in events}  # type: ignore[attr-defined]

    async def grades_applied() -> bool:
        conn = await asyncpg.connect(service.settings.database_url)
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM grades") == len(grade_ids))
        finally:
            await conn.close()

    assert await wait_for(grades_applied, 20)
    r = await service.client.post(
        f"/internal/v1/schools/{SCHOOL_ID}/digests/{week}", headers=service.auth
    )
    assert (await r.json())["queued"] == len(families)

    def digests() -> list[str]:
        sent = received_sms(service.settings.sms_dev_outbox)
        return [s["text"] for s in sent if any(h in s["text"] for h in HEADS)]

    async def all_received() -> bool:
        return len(digests()) == len(families)

    assert await wait_for(all_received, 20)
