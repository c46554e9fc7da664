"""Instant grade alerts: sent after a grace period, so a quick fix replaces the alert and a
quick deletion withdraws it (money released); after sending, one short correction."""

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
    await alerts.rows(1, "kind = 'grade_instant'")
    await asyncio.sleep(0.5)
    assert alerts.sms() == []  # not yet: the teacher may still fix it

    alerts.clock.advance(GRACE)
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
    await alerts.rows(1, "kind = 'grade_instant'")
    alerts.clock.advance(GRACE)
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Айгерим: Алгебра, 2-тоқсан қорытынды бағасы: 18/20 (25.12)"


async def test_a_grade_changed_within_the_grace_period_sends_one_alert(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade(mark=3))
    [first] = await alerts.rows(1, "kind = 'grade_instant'")
    alerts.clock.advance(timedelta(minutes=4))
    await alerts.publish("diary.grades", PUPIL, grade("grade.changed", mark=4))
    await alerts.rows(1, "status = 'cancelled'")
    assert await _wallet(alerts) == (100_00, 20_00)  # the first alert's hold is released

    alerts.clock.advance(GRACE)
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Айгерим: Математика 4 (12.11)"
    await _charged(alerts, 100_00 - 20_00)
    [cancelled] = await alerts.sql("SELECT * FROM notifications WHERE id = $1", first["id"])
    assert cancelled["status"] == "cancelled"


async def test_a_grade_deleted_within_the_grace_period_is_never_sent(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade())
    await alerts.rows(1, "kind = 'grade_instant'")
    await alerts.publish("diary.grades", PUPIL, grade_deleted())
    await alerts.rows(1, "status = 'cancelled'")

    alerts.clock.advance(GRACE)
    await asyncio.sleep(1.0)
    assert alerts.sms() == []
    assert await _wallet(alerts) == (100_00, 0)  # nothing charged, nothing held
    token = mint_token(alerts.settings, PARENT, "parent")
    r = await alerts.client.get("/api/v1/messages", headers={"Authorization": f"Bearer {token}"})
    [shown] = (await r.json())["items"]  # the parent sees it was withdrawn, and free
    assert (shown["status"], shown["cost"], shown["charge"]) == ("cancelled", 0, "not_charged")


async def test_a_change_after_sending_sends_one_short_correction(alerts: Alerts) -> None:
    await _subscribed(alerts)
    await alerts.publish("diary.grades", PUPIL, grade(mark=3))
    await alerts.rows(1, "kind = 'grade_instant'")
    alerts.clock.advance(GRACE)
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
    await alerts.rows(2, "kind = 'grade_instant'")

    alerts.clock.advance(GRACE)
    sent = await alerts.sms_count(2)
    assert [s["text"] for s in sent] == [
        "Айгерим: Математика 5 (12.11)",
        "Айгерим: Физика 5 (12.11)",
    ]
    await _charged(alerts, 100_00 - 2 * 20_00)


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

    [row] = await alerts.rows(1, "kind = 'grade_instant'")
    assert row["next_attempt_at"] == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 09:00 local
