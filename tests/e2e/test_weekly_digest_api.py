"""Ops and schools drive the weekly digest over /internal/v1; grades arrive from Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from billing.ledger import credit_wallet
from notifier.jobs import JOBS
from notifier.settings import Settings
from tests.e2e.api_support import Api, serve_api
from tests.e2e.conftest import Service
from tests.support import envelope, wait_for

pytest_plugins = ("tests.e2e.api_fixtures",)
WEEK = "2026-W48"


def _grade(grade_id: str, subject: str, day: int, mark: int, **over: object) -> dict[str, object]:
    return envelope("grade.posted") | {
        "grade_id": grade_id, "school_id": "sch-1", "pupil_id": "p-1", "class_id": "c-5a",
        "subject": subject, "lesson_date": f"2026-11-{day:02d}", "assessment": "lesson",
        "mark": mark, "teacher_id": "t-1",
    } | over  # fmt: skip


async def _grades_applied(service: Service, count: int) -> None:
    async def arrived() -> bool:
        conn = await asyncpg.connect(service.settings.database_url)
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM grades") == count)
        finally:
            await conn.close()

    assert await wait_for(arrived, timeout=20), "grade events were not applied"


async def test_a_school_week_is_sent_once_in_kyrgyz_and_holidays_send_nothing(
    service: Service,
) -> None:
    await service.enrol_with_parent("p-1", "par-1", first_name="Айпери", locale="ky",
                                    school_country="KG", time_zone="Asia/Bishkek")  # fmt: skip
    await service.wait_linked("par-1", "p-1")
    await service.subscribe(parent_id="par-1", pupil_id="p-1", phone="+996555123456",
                            types=["weekly_grades"], language="ky")  # fmt: skip
    await service.credit("par-1", 100_00, "KGS")
    for event in (
        _grade("g1", "Математика", 23, 5),
        _grade("g2", "Математика", 26, 4),
        _grade("g3", "Кыргыз тили", 27, 5, assessment="quarter", period=2),
    ):
        await service.publish("diary.grades", "p-1", event)
    await _grades_applied(service, 3)
    http, auth = service.client, service.auth
    r = await http.put("/internal/v1/schools/sch-1/holidays/2026-W48", headers=auth)
    assert await r.json() == {"school_id": "sch-1", "week": WEEK}
    r = await http.post(f"/internal/v1/schools/sch-1/digests/{WEEK}", headers=auth)
    assert (await r.json())["status"] == "holiday"
    r = await http.delete("/internal/v1/schools/sch-1/holidays/2026-W48", headers=auth)
    assert r.status == 204
    for _ in range(2):  # a re-run never sends a second digest
        r = await http.post(f"/internal/v1/schools/sch-1/digests/{WEEK}", headers=auth)
        assert r.status == 200, await r.text()
        assert {k: v for k, v in (await r.json()).items() if k != "total"} == {
            "school_id": "sch-1", "week": WEEK, "status": "done", "done": 1, "queued": 1,
            "skipped": 0, "empty": 0, "combined": 0, "started_at": None, "finished_at": None,
        }  # fmt: skip
    r = await http.get(f"/internal/v1/schools/sch-1/digests/{WEEK}", headers=auth)
    assert (await r.json())["status"] == "done"
    rows = await _digests(service)
    assert rows == [
        ("Айпери, 23-29.11 баалары: Кыргыз тили 2-чейрек: 5; Математика 5 4 (орт. 4,5)", 6_00)
    ]


async def test_school_settings_and_bad_input(service: Service) -> None:
    await service.enrol_with_parent("p-1", "par-1")
    await service.wait_linked("par-1", "p-1")
    http, auth = service.client, service.auth
    body = {"send_weekday": 6, "send_time": "10:30", "window_start": "08:00",
            "window_end": "21:00", "send_empty": True}  # fmt: skip
    r = await http.put("/internal/v1/schools/sch-1/digest-settings", json=body, headers=auth)
    assert r.status == 200, await r.text()
    assert (await r.json())["send_time"] == "10:30:00"
    r = await http.put("/internal/v1/schools/nope/digest-settings", json=body, headers=auth)
    assert r.status == 404
    r = await http.put("/internal/v1/schools/sch-1/holidays/2026-48", headers=auth)
    assert r.status == 422
    r = await http.post("/internal/v1/schools/sch-1/digests/2026-W48")
    assert r.status == 401
    r = await http.get("/internal/v1/schools/sch-1/holidays", headers=auth)
    assert await r.json() == {"weeks": []}
    r = await http.get("/internal/v1/schools/sch-1/digests/2026-W01", headers=auth)
    assert r.status == 404


async def _digests(service: Service) -> list[tuple[str, int]]:
    conn = await asyncpg.connect(service.settings.database_url)
    try:
        rows = await conn.fetch(
            "SELECT body, price FROM notifications WHERE kind = 'weekly_digest' ORDER BY id"
        )
        assert await conn.fetchval("SELECT time_zone FROM schools") == "Asia/Bishkek"
    finally:
        await conn.close()
    return [(r["body"], r["price"]) for r in rows]


async def test_the_scheduled_job_sends_at_the_school_s_local_time_and_shows_progress(
    api_settings: Settings,
) -> None:
    [entry] = [j for j in JOBS if j.name == "weekly-digests"]
    async with serve_api(api_settings) as api:
        await _kyrgyz_family_with_a_week_of_marks(api.settings.database_url)
        app = api.client.app
        assert app is not None
        api.clock.at = datetime(2026, 11, 27, 11, 59, tzinfo=UTC)  # 17:59 in Bishkek
        assert await entry.job(app) == []
        api.clock.advance(timedelta(minutes=1))
        [outcome] = await entry.job(app)
        assert (outcome.school_id, outcome.week, outcome.queued) == ("sch-2", WEEK, 1)
        metrics = await (await api.client.get("/metrics")).text()
        assert "notifier_digest_subscriptions_done 1.0" in metrics


async def _kyrgyz_family_with_a_week_of_marks(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE schools SET time_zone = 'Asia/Bishkek' WHERE id = 'sch-2';"
            " INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) VALUES ('par-2', 'p-nur', '+996555123456', '{weekly_grades}',"
            " 'ky', now());"
            " INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment,"
            " mark, as_of) VALUES ('g1', 'sch-2', 'p-nur', 'Математика', '2026-11-24', 'lesson',"
            " 5, now())"
        )
        async with conn.transaction():
            await credit_wallet(conn, "par-2", 100_00, "KGS", source=("gateway_clearing", "t"),
                            kind="top_up", reference="t-1")  # fmt: skip
    finally:
        await conn.close()


async def test_a_week_before_its_send_time_is_refused_and_left_open(api: Api) -> None:
    """Run early, a week would be closed without its Friday marks and never sent again."""
    await _kyrgyz_family_with_a_week_of_marks(api.settings.database_url)
    token = api.settings.internal_api_token
    assert token is not None
    auth = {"Authorization": f"Bearer {token.get_secret_value()}"}
    api.clock.at = datetime(2026, 11, 27, 11, 59, tzinfo=UTC)  # 17:59 in Bishkek, Friday
    for week in (WEEK, "2026-W50"):
        r = await api.client.post(f"/internal/v1/schools/sch-2/digests/{week}", headers=auth)
        assert r.status == 422, await r.text()
        error = (await r.json())["error"]
        assert error["code"] == "week_not_due"
        assert error["message"].startswith(f"week {week} is not due yet")
        assert error["details"]["week"] == week
    r = await api.client.get(f"/internal/v1/schools/sch-2/digests/{WEEK}", headers=auth)
    assert r.status == 404, "a refused week must not be opened, let alone closed"
    api.clock.advance(timedelta(minutes=1))
    r = await api.client.post(f"/internal/v1/schools/sch-2/digests/{WEEK}", headers=auth)
    assert (r.status, (await r.json())["queued"]) == (200, 1)
