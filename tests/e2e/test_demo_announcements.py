"""`make run`'s demo school also announces: the whole school hears of the meeting in each
family's language, 5A of its trip, and each child's grades reach the parents who want them at
once as one SMS per child."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from notifier.demo.school import demo_families
from notifier.demo.simulator import DiarySimulator, subscribe_and_top_up, wants_instant_grades
from tests.e2e.alerts_support import Alerts
from tests.support import received_sms, wait_for

pytestmark = pytest.mark.kafka
pytest_plugins = ("tests.e2e.alerts_fixtures",)  # the `alerts` fixture: a daytime clock


async def test_the_demo_school_announces_in_every_language(alerts: Alerts) -> None:
    families = demo_families()
    token = alerts.settings.internal_api_token
    assert token is not None
    producer = AIOKafkaProducer(
        bootstrap_servers=alerts.settings.kafka_bootstrap_servers, enable_idempotence=False
    )
    await producer.start()
    try:
        diary = DiarySimulator(producer, alerts.settings.kafka_topic_prefix, seed=1)
        await diary.publish_roster(families)
        base_url = str(alerts.client.make_url(""))
        await subscribe_and_top_up(base_url, token.get_secret_value(), families)
        await diary.publish_announcements()
        alerted = [f for f in families if wants_instant_grades(f)]
        for _ in range(5):
            await diary.publish_grade(alerted)
    finally:
        await producer.stop()

    async def all_sent() -> bool:  # 50 parents hear of the meeting, 25 of 5A's trip
        return len(received_sms(alerts.settings.sms_dev_outbox)) >= 75

    assert await wait_for(all_sent, 30)
    texts = {s["text"] for s in received_sms(alerts.settings.sms_dev_outbox)}
    assert (
        "Родительское собрание. В пятницу в 18:30 в актовом зале — общешкольное собрание." in texts
    )
    assert "Ата-аналар жиналысы. Жұмада 18:30-да мәжіліс залында." in texts
    assert "Ата-энелер чогулушу. Жума күнү саат 18:30да жыйындар залында." in texts
    assert "Экскурсия. Завтра 5А едет в музей, сбор в 9:00 у школы." in texts

    async def grade_alert_waiting() -> bool:  # waiting out the grace period
        conn = await asyncpg.connect(alerts.settings.database_url)
        try:
            return bool(
                await conn.fetchval(
                    "SELECT count(*) FROM grade_alert_marks WHERE notification_id IS NULL"
                )
            )
        finally:
            await conn.close()

    # The grades are consumed alongside the announcements, not necessarily before them.
    assert await wait_for(grade_alert_waiting, 20)
    await _all_marks_applied(alerts, 5)
    [children] = await alerts.sql("SELECT count(DISTINCT subscription_id) FROM grade_alert_marks")
    await alerts.grace_over(timedelta(minutes=11))

    async def bundles_sent() -> bool:
        return len(received_sms(alerts.settings.sms_dev_outbox)) >= 75 + children[0]

    assert await wait_for(bundles_sent, 30)
    sent = received_sms(alerts.settings.sms_dev_outbox)
    assert len([s for s in sent if s["kind"] == "grade_instant"]) == children[0]  # one each


async def _all_marks_applied(alerts: Alerts, n: int) -> None:
    async def applied() -> bool:
        return len(await alerts.sql("SELECT 1 FROM grade_alert_marks")) >= n

    assert await wait_for(applied, 30)
