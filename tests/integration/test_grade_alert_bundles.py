"""Bundled instant grade alerts as a parent sees them: one SMS per child for the marks posted
together, the final state of each mark, a daily limit, Latin, and never twice."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka.structs import ConsumerRecord

from billing.ledger import credit_wallet
from notifier.applying import apply_batch
from notifier.digest.load import load_batch
from notifier.grade_bundles import send_due_bundles
from notifier.handlers import HandlerContext
from notifier.handlers.grades import apply_grade_event
from tests.integration.test_grade_alert_batches import ROSTER
from tests.support import MovableClock

GRACE = timedelta(minutes=10)
# The demo parent's day: 18 marks in nine subjects, posted within a few minutes.
SUBJECTS = ["Математика", "Физика", "Английский язык", "Химия", "Биология",
            "История Казахстана", "Русский язык", "Литература", "География"]  # fmt: skip


class Diary:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        # 11:00 in Almaty: the day has room before and after.
        self.clock = MovableClock(datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
        self.ctx = HandlerContext(self.clock, 2, timedelta(hours=1))
        self.offset = 0

    async def grade(self, grade_id: str, event_type: str = "grade.posted", **over: Any) -> None:
        await self.batch([self.record(grade_id, event_type, **over)])

    async def batch(self, records: list[ConsumerRecord]) -> None:
        """Records applied as the consumer applies one partition batch."""
        await apply_batch(self.pool, apply_grade_event, "diary.grades", records, self.ctx)

    def record(
        self, grade_id: str, event_type: str = "grade.posted", **over: Any
    ) -> ConsumerRecord:
        self.offset += 1
        event = {
            "event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1,
            "occurred_at": (self.clock.now() + timedelta(microseconds=self.offset)).isoformat(),
            "grade_id": grade_id, "school_id": "s", "pupil_id": "p", "class_id": "c",
            "subject": "Физика", "lesson_date": "2026-11-20", "assessment": "lesson",
            "mark": 4, "teacher_id": "t",
        } | over  # fmt: skip
        value = json.dumps(event, ensure_ascii=False).encode()
        return ConsumerRecord("diary.grades", 0, self.offset, 0, 0, b"p", value, None, 0,
                              len(value), ())  # fmt: skip

    async def job(self) -> int:
        """The grade alerts job's run."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await send_due_bundles(conn, self.ctx)

    async def sms(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch(
            "SELECT status, body, price FROM notifications WHERE status <> 'cancelled' ORDER BY id"
        )
        return [(r["status"], r["body"], r["price"]) for r in rows]

    async def wallet(self) -> tuple[int, int]:
        row = await self.pool.fetchrow(
            "SELECT posted, held FROM ledger_accounts WHERE owner = 'par'"
        )
        return row["posted"], row["held"]


@pytest.fixture
async def diary(pool: asyncpg.Pool) -> Diary:
    await pool.execute(ROSTER)
    async with pool.acquire() as conn, conn.transaction():
        await credit_wallet(conn, "par", 1000_00, "KZT", source=("gateway_clearing", "test"),
                            kind="manual_credit", reference="t")  # fmt: skip
    return Diary(pool)


async def test_eighteen_marks_in_the_grace_are_one_sms_and_one_charge(diary: Diary) -> None:
    for i in range(18):
        await diary.grade(f"g{i}", subject=SUBJECTS[i % 9], mark=5 - i % 3)
        diary.clock.advance(timedelta(seconds=10))
    assert await diary.job() == 0  # the last marks are still in their grace
    diary.clock.advance(GRACE)
    assert await diary.job() == 1

    assert await diary.sms() == [(
        "queued",
        "Айгерим: Матем. 5, 5; Физ. 4, 4; Англ. яз. 3, 3; Хим. 5, 5; Биол. 4, 4; "
        "Ист. Каз. 3, 3; Рус. яз. 5, 5; Лит. 4, 4; Геогр. 3, 3",
        40_00,  # two parts, instead of 18 SMS for 360 ₸
    )]  # fmt: skip
    assert await diary.wallet() == (1000_00, 40_00)  # one hold
    assert await diary.job() == 0  # run again: nothing more


async def test_marks_and_a_fix_in_one_consumer_batch_are_one_sms(diary: Diary) -> None:
    records = [diary.record(f"g{i}", subject=SUBJECTS[i], mark=4) for i in range(3)]
    records.append(diary.record("g0", "grade.changed", subject=SUBJECTS[0], mark=5))
    await diary.batch(records)
    diary.clock.advance(GRACE)
    assert await diary.job() == 1
    assert await diary.sms() == [
        ("queued", "Айгерим: Математика 5; Физика 4; Английский язык 4", 20_00)
    ]


async def test_a_few_marks_keep_their_full_subject_names(diary: Diary) -> None:
    await diary.grade("g1", subject="Математика", mark=5)
    await diary.grade("g2", subject="Физика", mark=4)
    await diary.grade("g3", subject="Английский язык", mark=3)
    diary.clock.advance(GRACE)
    await diary.job()
    assert await diary.sms() == [
        ("queued", "Айгерим: Математика 5; Физика 4; Английский язык 3", 20_00)
    ]


async def test_too_many_subjects_end_in_plus_the_marks_left_out(diary: Diary) -> None:
    for i in range(30):
        await diary.grade(f"g{i}", subject=f"Предмет номер {i}", mark=5)
        diary.clock.advance(timedelta(seconds=1))
    diary.clock.advance(GRACE)
    await diary.job()
    [(_, body, price)] = await diary.sms()
    *shown, rest = body.removeprefix("Айгерим: ").split("; ")
    assert shown == [f"Предмет номер {i} 5" for i in range(len(shown))]
    assert rest == f"+{30 - len(shown)}"  # the marks left out, in the order they came
    assert price == 40_00  # SMS_MAX_PARTS = 2


async def test_a_mark_changed_or_deleted_in_the_grace_shows_its_final_state(
    diary: Diary,
) -> None:
    await diary.grade("g1", subject="Математика", mark=3)
    await diary.grade("g2", subject="Физика", mark=4)
    await diary.grade("g3", subject="Химия", mark=2)
    diary.clock.advance(timedelta(minutes=5))
    await diary.grade("g1", "grade.changed", subject="Математика", mark=5)
    await diary.grade("g3", "grade.deleted")
    diary.clock.advance(GRACE)
    await diary.job()

    assert await diary.sms() == [("queued", "Айгерим: Математика 5; Физика 4", 20_00)]
    assert await diary.wallet() == (1000_00, 20_00)


async def test_a_change_while_the_bundle_waits_in_the_outbox_recomposes_it(
    diary: Diary,
) -> None:
    await diary.grade("g1", subject="Математика", mark=3)
    await diary.grade("g2", subject="Физика", mark=4)
    diary.clock.advance(GRACE)
    await diary.job()  # queued, not yet sent
    await diary.grade("g1", "grade.changed", subject="Математика", mark=5)
    assert await diary.sms() == []  # withdrawn, its hold released
    assert await diary.wallet() == (1000_00, 0)
    diary.clock.advance(GRACE)
    await diary.job()

    assert await diary.sms() == [("queued", "Айгерим: Математика 5; Физика 4", 20_00)]


async def test_the_fourth_bundle_of_a_day_waits_for_the_next_day(diary: Diary) -> None:
    await diary.pool.execute("UPDATE subscriptions SET types = '{grade_instant,weekly_grades}'")
    for n in range(4):
        await diary.grade(f"g{n}", subject="Физика", mark=5 - n)
        diary.clock.advance(GRACE)
        await diary.job()
        await diary.pool.execute("UPDATE notifications SET status = 'sent'")
    assert [body for _, body, _ in await diary.sms()] == [
        "Айгерим: Физика 5 (20.11)", "Айгерим: Физика 4 (20.11)", "Айгерим: Физика 3 (20.11)",
    ]  # fmt: skip
    await diary.grade("g9", subject="Химия", mark=5)  # a fifth mark joins the waiting one
    diary.clock.advance(GRACE)
    assert await diary.job() == 0

    diary.clock.advance(timedelta(hours=13))  # 00:40 the next day in Almaty
    assert await diary.job() == 1
    assert (await diary.sms())[-1] == ("queued", "Айгерим: Физика 2; Химия 5", 20_00)
    async with diary.pool.acquire() as conn:  # the weekly digest still has the whole week
        [sub] = await load_batch(conn, "s", (date(2026, 11, 16), date(2026, 11, 22)),
                                 after=0, limit=10)  # fmt: skip
    assert [(s.subject, [g.mark for g in s.grades]) for s in sub.week.subjects] == [
        ("Физика", [5, 4, 3, 2]), ("Химия", [5]),
    ]  # fmt: skip


async def test_a_parent_may_allow_one_bundle_a_day(diary: Diary) -> None:
    await diary.pool.execute("UPDATE subscriptions SET grade_alerts_per_day = 1")
    await diary.grade("g1", mark=5)
    diary.clock.advance(GRACE)
    assert await diary.job() == 1
    await diary.grade("g2", mark=4)
    diary.clock.advance(GRACE)
    assert await diary.job() == 0
    assert len(await diary.sms()) == 1


async def test_latin_and_kazakh_bundles(diary: Diary) -> None:
    await diary.pool.execute("UPDATE subscriptions SET latin = true, language = 'kk'")
    await diary.grade("g1", subject="Қазақ тілі", mark=5)
    await diary.grade("g2", subject="Алгебра", assessment="quarter", period=2, mark=None,
                      points=18, max_points=20, lesson_date="2026-12-25")  # fmt: skip
    diary.clock.advance(GRACE)
    await diary.job()

    assert await diary.sms() == [(
        "queued", "Aygerim: Qazaq tili 5; Algebra, 2-toqsan qorytyndy baghasy: 18/20 (25.12)",
        20_00,  # GSM-7: 160 characters a part
    )]  # fmt: skip


async def test_a_run_killed_before_its_commit_leaves_nothing_and_the_next_sends_once(
    diary: Diary,
) -> None:
    await diary.grade("g1", mark=5)
    await diary.grade("g2", subject="Химия", mark=4)
    diary.clock.advance(GRACE)

    with pytest.raises(_Killed):
        await _killed_run(diary)
    assert await diary.sms() == []
    assert await diary.wallet() == (1000_00, 0)

    assert await diary.job() == 1
    assert await diary.job() == 0
    assert await diary.sms() == [("queued", "Айгерим: Физика 5; Химия 4", 20_00)]


class _Killed(Exception):
    """The process dies after the bundle is queued, before the commit."""


async def _killed_run(diary: Diary) -> None:
    async with diary.pool.acquire() as conn, conn.transaction():
        assert await send_due_bundles(conn, diary.ctx) == 1
        raise _Killed


async def test_two_replicas_running_the_job_at_once_queue_one_bundle(diary: Diary) -> None:
    await diary.grade("g1", mark=5)
    await diary.grade("g2", subject="Химия", mark=4)
    diary.clock.advance(GRACE)
    async with diary.pool.acquire() as one, one.transaction():
        assert await send_due_bundles(one, diary.ctx) == 1  # its marks stay locked until commit
        async with diary.pool.acquire() as two, two.transaction():
            assert await send_due_bundles(two, diary.ctx) == 0  # skips them, does not wait
    assert await diary.job() == 0
    assert await diary.sms() == [("queued", "Айгерим: Физика 5; Химия 4", 20_00)]
    assert await diary.wallet() == (1000_00, 20_00)
