"""Paid SMS reach parents only in the daytime of their school's zone: homework set late in
the evening waits in the queue (its money held) and goes out when the window opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.support import MovableClock, homework_assigned, received_sms, wait_for

pytestmark = pytest.mark.kafka

LATE_EVENING = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 23:00 in Almaty (UTC+5)
MORNING = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 09:00 in Almaty


async def test_homework_set_at_night_waits_for_the_morning(settings: Settings) -> None:
    clock = MovableClock(LATE_EVENING)
    windowed = settings.model_copy(update={"send_window": "09:00-20:00"})
    app = create_app(windowed, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        service = Service(client, windowed)
        await service.enrol_with_parent("pup-w", "par-w")
        await service.wait_linked("par-w", "pup-w")
        await service.subscribe(parent_id="par-w", pupil_id="pup-w", phone="87011234567",
                                types=["homework"], language="ru")  # fmt: skip
        await service.credit("par-w", 100_00)
        await service.publish("diary.homework", "c-5a", homework_assigned())

        async def queued_until_morning() -> bool:
            conn = await asyncpg.connect(windowed.database_url)
            try:
                due = await conn.fetchval(
                    "SELECT next_attempt_at FROM notifications WHERE status = 'queued'"
                )
            finally:
                await conn.close()
            return bool(due == MORNING)

        assert await wait_for(queued_until_morning, 20), "not held back until 09:00 local"
        wallet = await service.wallet("par-w")
        assert wallet["held"] > 0  # the money is set aside while it waits
        assert received_sms(windowed.sms_dev_outbox) == []

        clock.advance(MORNING - LATE_EVENING + timedelta(seconds=1))

        async def sent() -> bool:
            return len(received_sms(windowed.sms_dev_outbox)) == 1

        assert await wait_for(sent, 20), "the SMS did not go out when the window opened"
