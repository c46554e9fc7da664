"""Announcements from the diary reach subscribed parents of a class, some pupils or a whole
school, in their language when translated, within the SMS budget, charged once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel

from billing.types import Conn
from notifier.app import HANDLERS, create_app
from notifier.handlers import HandlerContext
from notifier.http.auth import mint_token
from notifier.outbox.enqueue import PendingSms
from notifier.settings import Settings
from schemas import AnnouncementPublished
from tests.e2e.alerts_support import Alerts, announcement
from tests.support import MovableClock, homework_assigned, wait_for

pytestmark = pytest.mark.kafka
pytest_plugins = ("tests.e2e.alerts_fixtures",)  # the `alerts` fixture

TEXT = "Родительское собрание. В пятницу в 18:30 в актовом зале."


async def test_class_announcement_reaches_subscribed_parents_of_that_class_only(
    alerts: Alerts,
) -> None:
    fives = await alerts.seed("c-5a", 3, types=("announcements",), credit=100_00)
    await alerts.seed("c-5b", 2, types=("announcements",), credit=100_00)
    await alerts.seed("c-5v", 2, types=("homework",), credit=100_00)
    event = announcement("class", audience={"class_ids": ["c-5a", "c-5v"]}, author_role="teacher")
    await alerts.publish("diary.announcements", "sch-1", event)

    sent = await alerts.sms_count(3)
    assert len(sent) == 3  # 5B is not in the audience; 5V's parents did not ask for these
    assert {s["text"] for s in sent} == {TEXT}
    rows = await alerts.rows(3, "kind = 'announcement'")
    assert sorted(r["parent_id"] for r in rows) == fives
    assert all(r["price"] == 20_00 for r in rows)  # one UCS-2 part, charged to each parent


async def test_school_announcement_reaches_every_class_once_per_parent(alerts: Alerts) -> None:
    await alerts.seed("c-1a", 2, types=("announcements",), credit=100_00)
    await alerts.seed("c-9b", 2, types=("announcements", "homework"), credit=100_00)
    await alerts.seed("x-2a", 2, school="sch-2", types=("announcements",), credit=100_00)
    # A parent with a second child at the school still gets one SMS.
    await alerts.sql("INSERT INTO parent_links VALUES ('c-1a-par1', 'c-9b-p2', now())")
    await alerts.sql(
        "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
        " phone_verified_at) SELECT 'c-1a-par1', 'c-9b-p2', phone, types, 'ru', now()"
        " FROM subscriptions WHERE parent_id = 'c-1a-par1'"
    )
    await alerts.publish("diary.announcements", "sch-1", announcement("school"))

    rows = await alerts.rows(4, "kind = 'announcement'")
    await alerts.sms_count(4)
    assert sorted(r["parent_id"] for r in rows) == [
        "c-1a-par1", "c-1a-par2", "c-9b-par1", "c-9b-par2"
    ]  # fmt: skip
    assert len(alerts.sms()) == 4  # nobody of sch-2, nobody twice


async def test_pupil_announcement_reaches_only_those_pupils_parents(alerts: Alerts) -> None:
    await alerts.seed("c-7a", 4, types=("announcements",), credit=100_00)
    event = announcement("pupils", audience={"pupil_ids": ["c-7a-p2", "c-7a-p4"]})
    await alerts.publish("diary.announcements", "sch-1", event)

    rows = await alerts.rows(2, "kind = 'announcement'")
    await alerts.sms_count(2)
    assert [r["parent_id"] for r in rows] == ["c-7a-par2", "c-7a-par4"]


async def test_each_parent_reads_it_in_their_language_or_as_sent(alerts: Alerts) -> None:
    await alerts.seed("c-kk", 1, types=("announcements",), language="kk", credit=100_00)
    await alerts.seed("c-ky", 1, types=("announcements",), language="ky", credit=100_00)
    await alerts.seed("c-ru", 1, types=("announcements",), language="ru", credit=100_00)
    kk = {"title": "Ата-аналар жиналысы", "text": "Жұмада 18:30-да мәжіліс залында."}
    await alerts.publish(
        "diary.announcements", "sch-1", announcement("school", translations={"kk": kk})
    )

    rows = await alerts.rows(3, "kind = 'announcement'")
    by_parent = {r["parent_id"]: r["body"] for r in rows}
    assert by_parent["c-kk-par1"] == "Ата-аналар жиналысы. Жұмада 18:30-да мәжіліс залында."
    assert by_parent["c-ky-par1"] == TEXT  # no Kyrgyz translation: as the school wrote it
    assert by_parent["c-ru-par1"] == TEXT


async def test_a_sender_who_is_not_staff_is_dead_lettered_and_nobody_is_told(
    alerts: Alerts,
) -> None:
    await alerts.seed("c-5a", 1, types=("announcements",), credit=100_00)
    await alerts.publish(
        "diary.announcements", "sch-1", announcement(author_role="parent", author_id="par-x")
    )
    await alerts.publish(
        "diary.announcements", "sch-1", announcement(urgent=True, author_role="teacher")
    )
    await alerts.seed("x-9a", 1, school="sch-2", types=("announcements",), credit=100_00)
    foreign = announcement("class", audience={"class_ids": ["x-9a"]}, author_role="teacher")
    await alerts.publish("diary.announcements", "sch-1", foreign)

    [parent, urgent_teacher, other_school] = await alerts.dead_letters("diary.announcements", 3)
    assert "author_role" in parent["dlq.reason"]
    assert "only a school_admin may mark an announcement urgent" in urgent_teacher["dlq.reason"]
    assert "school sch-1 names classes of another school: x-9a" in other_school["dlq.reason"]
    assert await alerts.sql("SELECT * FROM notifications") == []


async def test_an_announcement_over_the_budget_is_refused_with_the_counts(alerts: Alerts) -> None:
    await alerts.seed("c-5a", 1, types=("announcements",), credit=1000_00)
    long_text = "Уважаемые родители! " + "Просим принести сменную обувь и форму. " * 6
    event = announcement(text=long_text)
    await alerts.publish("diary.announcements", "sch-1", event)

    [letter] = await alerts.dead_letters("diary.announcements", 1)
    reason = letter["dlq.reason"]
    assert f"announcement {event['announcement_id']} (as sent) needs 5 SMS parts" in reason
    assert "the limit is 3 parts (201 characters)" in reason
    assert await alerts.sql("SELECT * FROM notifications") == []
    assert alerts.sms() == []


async def test_redelivered_and_republished_announcement_sends_and_charges_once(
    alerts: Alerts,
) -> None:
    [parent] = await alerts.seed("c-5a", 1, types=("announcements",), credit=100_00)
    event = announcement()
    await alerts.publish("diary.announcements", "sch-1", event)
    await alerts.publish("diary.announcements", "sch-1", event)
    again = event | {"event_id": announcement()["event_id"]}  # the diary resends it anew
    await alerts.publish("diary.announcements", "sch-1", again)
    # A later announcement proves the three were consumed, not still on their way.
    await alerts.publish("diary.announcements", "sch-1", announcement(title="Внимание"))

    await alerts.sms_count(2)
    assert len(alerts.sms()) == 2
    [wallet] = await alerts.sql(
        "SELECT posted, held FROM ledger_accounts WHERE kind = 'wallet' AND owner = $1", parent
    )
    assert (wallet["posted"], wallet["held"]) == (100_00 - 2 * 20_00, 0)


async def test_the_school_sees_how_far_its_announcement_reached(alerts: Alerts) -> None:
    await alerts.seed("c-5a", 2, types=("announcements",), credit=100_00)
    await alerts.seed("c-5b", 1, types=("announcements",))  # never topped up
    await alerts.seed("c-5c", 1)  # linked, not subscribed to announcements
    event = announcement("school")
    await alerts.publish("diary.announcements", "sch-1", event)
    [first, _] = await alerts.sms_count(2)
    report = {"provider": "dev", "provider_message_id": f"dev-{first['id']}",
              "status": "delivered"}  # fmt: skip
    token = alerts.settings.internal_api_token
    assert token is not None
    internal = {"Authorization": f"Bearer {token.get_secret_value()}"}
    r = await alerts.client.post("/internal/v1/delivery-reports", json=report, headers=internal)
    assert r.status == 200, await r.text()

    path = f"/api/v1/admin/announcements/{event['announcement_id']}/reach"
    r = await alerts.client.get(path, headers=alerts.staff("sch-1"))
    assert r.status == 200, await r.text()
    reach = await r.json()
    assert {k: reach[k] for k in ("targeted", "subscribed", "pending", "sent", "delivered",
                                  "undelivered", "skipped_for_balance", "failed")} == {
        "targeted": 4, "subscribed": 3, "pending": 0, "sent": 2, "delivered": 1,
        "undelivered": 0, "skipped_for_balance": 1, "failed": 0,
    }  # fmt: skip
    assert (reach["scope"], reach["urgent"]) == ("school", False)
    other_school = await alerts.client.get(path, headers=alerts.staff("sch-2"))
    assert other_school.status == 404
    parent = mint_token(alerts.settings, "c-5a-par1", "parent")
    as_parent = await alerts.client.get(path, headers={"Authorization": f"Bearer {parent}"})
    assert as_parent.status == 403


async def test_homework_is_not_queued_behind_a_school_wide_fan_out(
    alerts: Alerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Homework published while a school-wide announcement is being fanned out is queued
    before the fan-out is done. Here the announcement's batch is held open until the homework
    is queued (or 20 s), so a consumer that made one partition wait for another's batch fails
    whatever the timing of fetches."""
    await alerts.seed("c-all", 500, types=("announcements",))
    await alerts.seed("c-hw", 1, types=("homework",), credit=100_00)
    fanning_out = asyncio.Event()
    homework_while_held: list[bool] = []
    fan_out = HANDLERS["diary.announcements"]

    async def held_open(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
        if isinstance(event, AnnouncementPublished) and event.audience.scope == "school":
            fanning_out.set()
            queued = "SELECT 1 FROM notifications WHERE kind = 'homework'"
            homework_while_held.append(await wait_for(lambda: _any(alerts, queued), 20))
        return await fan_out(conn, event, ctx)

    monkeypatch.setitem(HANDLERS, "diary.announcements", held_open)
    await alerts.publish("diary.announcements", "sch-1", announcement("school"))
    await asyncio.wait_for(fanning_out.wait(), 60)
    await alerts.publish("diary.homework", "c-hw", homework_assigned("c-hw", school_id="sch-1"))

    await alerts.rows(1, "kind = 'homework'", timeout=60)
    await alerts.rows(500, "kind = 'announcement'", timeout=60)
    assert homework_while_held == [True]


async def _any(alerts: Alerts, query: str) -> bool:
    return bool(await alerts.sql(query))


async def test_an_urgent_announcement_at_night_goes_out_in_the_morning(alerts: Alerts) -> None:
    alerts.clock.at = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # 23:30 in Almaty
    await alerts.seed("c-5a", 1, types=("announcements",), credit=100_00)
    event = announcement(urgent=True, title="Занятия отменены", text="Из-за мороза.")
    await alerts.publish("diary.announcements", "sch-1", event)

    [row] = await alerts.rows(1, "kind = 'announcement'")
    assert row["next_attempt_at"] == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 07:00 local
    await asyncio.sleep(0.5)
    assert alerts.sms() == []
    alerts.clock.at = datetime(2026, 12, 2, 2, 0, 1, tzinfo=UTC)
    [sms] = await alerts.sms_count(1)
    assert sms["text"] == "Занятия отменены. Из-за мороза."


async def test_the_budget_is_the_operators_setting(settings: Settings) -> None:
    configured = settings.model_copy(update={"announcement_max_parts": 1})
    app = create_app(configured, dispatch=False, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        alerts = Alerts(client, configured, MovableClock())
        await alerts.seed("c-5a", 1, types=("announcements",), credit=100_00)
        event = announcement(text="Просим принести сменную обувь и спортивную форму.")
        await alerts.publish("diary.announcements", "sch-1", event)

        [letter] = await alerts.dead_letters("diary.announcements", 1)
        assert "the limit is 1 parts" in letter["dlq.reason"]


async def test_an_announcement_for_a_class_not_in_the_roster_yet_waits_for_it(
    alerts: Alerts,
) -> None:
    await alerts.seed("c-1a", 1, types=("announcements",), credit=100_00)  # the school is known
    event = announcement("class", audience={"class_ids": ["c-late"]}, author_role="teacher")
    await alerts.publish("diary.announcements", "sch-1", event)
    assert await wait_for(lambda: _parked(alerts), 20)

    await alerts.seed("c-late", 2, types=("announcements",), credit=100_00)
    alerts.clock.advance(timedelta(seconds=30))  # the next retry of the parked event
    rows = await alerts.rows(2, "kind = 'announcement'", timeout=30)
    assert [r["parent_id"] for r in rows] == ["c-late-par1", "c-late-par2"]


async def _parked(alerts: Alerts) -> bool:
    return bool(await alerts.sql("SELECT 1 FROM parked_events"))


async def test_an_announcement_written_at_night_waits_for_the_sending_window(
    alerts: Alerts,
) -> None:
    alerts.clock.at = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # 23:30 in Almaty
    await alerts.seed("c-5a", 1, types=("announcements",), credit=100_00)
    await alerts.sql(  # the school's own window (the tests' default is "any time")
        "INSERT INTO digest_settings (school_id, window_start, window_end, updated_at)"
        " VALUES ('sch-1', '09:00', '20:00', now())"
    )
    await alerts.publish("diary.announcements", "sch-1", announcement())

    [row] = await alerts.rows(1, "kind = 'announcement'")
    assert row["next_attempt_at"] == datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 09:00 local
