"""`make run`'s demo week of grades becomes weekly digests on the parents' handsets."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from notifier.demo.digests import ZONE, due_now, schedule_and_report
from notifier.demo.school import SCHOOL_ID, demo_families
from notifier.demo.simulator import DiarySimulator, subscribe_and_top_up
from notifier.demo.week import week_of_grades
from notifier.digest.job import digest_job, send_due
from notifier.digest.progress import Progress
from tests.e2e.conftest import Service
from tests.support import MovableClock, received_sms, wait_for

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
    finally:
        await producer.stop()
    # Due now whatever the day and hour, as `make run` makes it (a week is refused before its
    # send time): on a Monday in Almaty the default Friday 18:00 is days away.
    settings = await service.client.put(
        f"/internal/v1/schools/{SCHOOL_ID}/digest-settings",
        json=due_now(datetime.now(UTC)), headers=service.auth,
    )  # fmt: skip
    assert settings.status == 200
    grade_ids = {e.grade_id for e in week_of_grades(families, datetime.now(ZONE).date())}  # type: ignore[attr-defined]

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


async def test_the_console_says_what_the_scheduler_did_with_the_demo_week(
    service: Service,
) -> None:
    families = demo_families()[:4]
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
    finally:
        await producer.stop()
    grade_ids = {e.grade_id for e in week_of_grades(families, datetime.now(ZONE).date())}  # type: ignore[attr-defined]
    started = datetime.now(UTC)
    told = asyncio.create_task(
        schedule_and_report(base_url, token.get_secret_value(), week, started, timeout=60)
    )

    async def ready() -> bool:  # the week applied, and the demo made it due
        conn = await asyncpg.connect(service.settings.database_url)
        try:
            grades = await conn.fetchval("SELECT count(*) FROM grades")
            return bool(grades == len(grade_ids)) and bool(
                await conn.fetchval("SELECT count(*) FROM digest_settings")
            )
        finally:
            await conn.close()

    assert await wait_for(ready, 20)
    # The scheduler's first tick, a minute after start, as the job sees it.
    clock = MovableClock(started + timedelta(minutes=1))
    job = replace(digest_job(service.client.app), clock=clock)
    [outcome] = await send_due(job, Progress(clock))
    assert outcome.week == week
    assert await told == (
        f"demo: weekly digests of {week} sent by the scheduler: {len(families)} queued"
        " (charged as they go out), 0 skipped for balance, 0 without marks"
    )
