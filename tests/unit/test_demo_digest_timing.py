"""`make run`'s demo week is due when it starts, whatever the day, and the console
line says what became of its digests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from notifier.demo.digests import ZONE, describe, due_now
from notifier.digest.schedule import SchoolSchedule, due_week, iso_week

SUNDAY = datetime(2026, 12, 6, 9, 20, 30, tzinfo=UTC)  # 14:20 in Almaty, past Friday 18:00
TUESDAY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_the_demo_week_is_due_when_make_run_starts_on_any_day() -> None:
    for now in (SUNDAY, TUESDAY):
        body = due_now(now)
        schedule = SchoolSchedule("demo-school-1", ZONE, body["send_weekday"],
                                  time.fromisoformat(body["send_time"]))  # fmt: skip
        week = iso_week(now.astimezone(ZONE).date())
        assert due_week(now, schedule) == week  # the scheduler's first tick sends it
        assert (body["window_start"], body["window_end"]) == ("00:00", "00:00")


def run(**over: object) -> dict[str, object]:
    return {"school_id": "demo-school-1", "week": "2026-W49", "status": "done", "total": 50,
            "done": 50, "queued": 48, "skipped": 2, "empty": 0,
            "finished_at": (SUNDAY + timedelta(minutes=1)).isoformat()} | over  # fmt: skip


def test_the_console_says_how_many_digests_the_scheduler_sent() -> None:
    assert describe(run(), SUNDAY) == (
        "demo: weekly digests of 2026-W49 sent by the scheduler: 48 queued (charged as they"
        " go out), 2 skipped for balance, 0 without marks"
    )


def test_digests_sent_by_an_earlier_run_are_said_to_be_so() -> None:
    earlier = run(finished_at=(SUNDAY - timedelta(hours=2)).isoformat())
    assert describe(earlier, SUNDAY) == (
        "demo: the weekly digests of 2026-W49 went out earlier (06.12 12:20 Almaty): none again"
    )
