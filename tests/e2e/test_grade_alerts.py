"""Instant grade alerts: a child's marks wait out a grace period and go as one SMS, so a quick
fix is what the parent reads and a quick deletion is never told (nothing charged); after
sending, one short correction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from notifier.http.auth import mint_token
from tests.e2e.alerts_support import Alerts, grade, grade_deleted

pytestmark = pytest.mark.kafka
pytest_plugins = ("tests.e2e.alerts_fixtures",)  # the `alerts` fixture

GRACE = timedelta(minutes=10, seconds=1)
PUPIL, PARENT = "c-5a-p1", "c-5a-par1"


async def _subscribed(alerts: Alerts, credit: int = 100_00, language: str = "ru") -> None:
    await alerts.seed("c-5a", 1, types=("grade_instant",), credit=credit, language=language)


async def _wallet(alerts: Alerts) -> tuple[int, int]:
    [w] = await alerts.sql(
        "SELECT posted, held FROM ledger_accounts WHERE kind = 'wallet' AND owner = $1", PARENT
    )
    return w["posted"], w["held"]


async def _charged(alerts: Alerts, posted: int) -> None:
    async def settled() -> bool:
        return await _wallet(alerts) == (posted, 0)

    for _ in range(100):
        if await settled():
            return
        await asyncio.sleep(0.1)
    assert await _wallet(alerts) == (posted, 0)


async def test_a_posted_grade_is_sent_after_the_grace_period(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade())
    await alerts.marks(1)
    await alerts.grace_over(GRACE / 2)
    await asyncio.sleep(0.5)
    assert alerts.sms() == []  # not yet: the teacher may still fix it

    await alerts.grace_over(GRACE)
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Айгерим: Математика 5 (12.11)"
    await _charged(alerts, 100_00 - 20_00)


async def test_final_marks_and_points_are_labelled_in_the_parents_language(
    alerts: Alerts,
) -> None:
    await _subscribed(alerts, language="kk")
    final = grade(assessment="quarter", period=2, subject="Алгебра", mark=None, points=18,
                  max_points=20, lesson_date="2026-12-25")  # fmt: skip
    await alerts.publish("diary.grades", PUPIL, final)
    await alerts.marks(1)
    await alerts.grace_over(GRACE)
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Айгерим: Алгебра, 2-тоқсан қорытынды бағасы: 18/20 (25.12)"


async def test_a_grade_changed_within_the_grace_period_sends_one_alert(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade(mark=3))
    await alerts.marks(1)
    alerts.clock.advance(timedelta(minutes=4))
    await alerts.publish("diary.grades", PUPIL, grade("grade.changed", mark=4))
    await alerts.marks(1, "grade_id IN (SELECT id FROM grades WHERE mark = 4)")
    assert await _wallet(alerts) == (100_00, 0)  # nothing held while the marks wait

    await alerts.grace_over(GRACE)
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Айгерим: Математика 4 (12.11)"
    await _charged(alerts, 100_00 - 20_00)


async def test_a_grade_deleted_within_the_grace_period_is_never_sent(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade())
    await alerts.marks(1)
    await alerts.publish("diary.grades", PUPIL, grade_deleted())
    for _ in range(200):
        if not await alerts.sql("SELECT 1 FROM grade_alert_marks"):
            break
        await asyncio.sleep(0.1)

    await alerts.grace_over(GRACE)
    await asyncio.sleep(1.0)
    assert alerts.sms() == []
    assert await _wallet(alerts) == (100_00, 0)  # nothing charged, nothing held
    token = mint_token(alerts.settings, PARENT, "parent")
    r = await alerts.client.get("/api/v1/messages", headers={"Authorization": f"Bearer {token}"})
    assert (await r.json())["items"] == []  # nothing was ever on its way


async def test_a_change_after_sending_sends_one_short_correction(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade(mark=3))
    await alerts.marks(1)
    await alerts.grace_over(GRACE)
    await alerts.sms_count(1)

    await alerts.publish("diary.grades", PUPIL, grade("grade.changed", mark=4))
    await alerts.rows(1, "kind = 'grade_correction'")
    alerts.clock.advance(GRACE)
    sent = await alerts.sms_count(2)
    assert [s["text"] for s in sent] == [
        "Айгерим: Математика 3 (12.11)",
        "Айгерим: исправлено — Математика 4 (12.11)",
    ]

    await alerts.publish("diary.grades", PUPIL, grade_deleted())
    await alerts.rows(2, "kind = 'grade_correction'")
    alerts.clock.advance(GRACE)
    sent = await alerts.sms_count(3)
    assert sent[-1]["text"] == "Айгерим: отменена оценка Математика 4 (12.11)"
    await _charged(alerts, 100_00 - 3 * 20_00)


async def test_a_redelivered_grade_is_sent_and_charged_once(alerts: Alerts) -> None:
    await _subscribed(alerts)
    posted = grade()
    await alerts.publish("diary.grades", PUPIL, posted)
    await alerts.publish("diary.grades", PUPIL, posted)
    await alerts.publish("diary.grades", PUPIL, posted | {"event_id": grade()["event_id"]})
    await alerts.publish("diary.grades", PUPIL, grade(grade_id="g-2", subject="Физика"))
    await alerts.marks(2)

    await alerts.grace_over(GRACE)
    await alerts.grace_over(GRACE)  # the job runs again: nothing more
    sent = await alerts.sms_count(1)
    assert [s["text"] for s in sent] == ["Айгерим: Математика 5; Физика 5"]
    await _charged(alerts, 100_00 - 20_00)


async def test_a_grade_posted_in_the_evening_reaches_the_parent_in_the_morning(
    alerts: Alerts,
) -> None:
    alerts.clock.at = datetime(2026, 12, 1, 14, 55, tzinfo=UTC)  # 19:55 in Almaty
    await _subscribed(alerts)
    await alerts.sql(
        "INSERT INTO digest_settings (school_id, window_start, window_end, updated_at)"
        " VALUES ('sch-1', '09:00', '20:00', now())"
    )
    await alerts.publish("diary.grades", PUPIL, grade())

    [mark] = await alerts.marks(1)
    assert mark["due_at"] == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 09:00 local
    await alerts.grace_over(GRACE)
    await asyncio.sleep(0.5)
    assert alerts.sms() == []  # not at night
    alerts.clock.at = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    await alerts.grace_over(timedelta(0))
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Айгерим: Математика 5 (12.11)"
