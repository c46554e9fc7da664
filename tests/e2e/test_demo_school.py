"""`make run`'s demo school: the simulated diary's roster, subscriptions, top-ups and homework
produce real SMS through the whole pipeline."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer

from notifier.demo.school import demo_families
from notifier.demo.simulator import DiarySimulator, subscribe_and_top_up
from tests.e2e.conftest import Service
from tests.support import received_sms, wait_for

pytestmark = pytest.mark.kafka


async def test_the_demo_school_produces_paid_sms(service: Service) -> None:
    families = demo_families()
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
        assert await subscribe_and_top_up(base_url, token.get_secret_value(), families) == 50
        await diary.publish_homework()
    finally:
        await producer.stop()

    async def some_sms() -> bool:
        return len(received_sms(service.settings.sms_dev_outbox)) >= 10

    assert await wait_for(some_sms, 20)
    sent = received_sms(service.settings.sms_dev_outbox)
    assert {s["to"][:4] for s in sent} <= {"+770", "+771", "+774", "+777", "+996"}
    assert all(s["currency"] == ("KGS" if s["to"].startswith("+996") else "KZT") for s in sent)
