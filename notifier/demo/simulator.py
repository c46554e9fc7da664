"""Plays the core diary for the demo: publishes roster events, two announcements, then
homework and grades."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from aiohttp import ClientSession
from aiokafka import AIOKafkaProducer

from notifier.demo.digests import ZONE, schedule_and_report
from notifier.demo.school import (
    ANNOUNCEMENTS,
    CLASSES,
    HOMEWORK,
    SCHOOL_ID,
    SCHOOL_NAME,
    SUBJECTS,
    DemoFamily,
    demo_families,
)
from notifier.demo.week import this_week, week_of_grades
from notifier.notification_types import NotificationType
from schemas import (
    AnnouncementPublished,
    Envelope,
    GradePosted,
    HomeworkAssigned,
    ParentLinked,
    PupilEnrolled,
    encode_event,
)


def _envelope() -> dict[str, object]:
    return {"event_id": uuid.uuid4(), "occurred_at": datetime.now(UTC)}


class DiarySimulator:
    def __init__(
        self, producer: AIOKafkaProducer, topic_prefix: str, seed: int | None = None
    ) -> None:
        """`seed` makes the picks (class, subject, graded pupil) the same on every run."""
        self._producer = producer
        self._prefix = topic_prefix
        self._rnd = random.Random(seed)  # noqa: S311 - demo data

    async def _send(self, topic: str, key: str, event: Envelope) -> None:
        await self._producer.send_and_wait(
            self._prefix + topic, encode_event(event), key=key.encode()
        )

    async def publish_roster(self, families: list[DemoFamily]) -> None:
        for f in families:
            await self._send("diary.roster", f.pupil_id, PupilEnrolled(
                **_envelope(), pupil_id=f.pupil_id, school_id=SCHOOL_ID, school_name=SCHOOL_NAME,
                school_country="KZ", class_id=f.class_id, class_name=CLASSES[f.class_id],
                first_name=f.first_name, locale=f.locale, time_zone="Asia/Almaty",
            ))  # fmt: skip
            await self._send("diary.roster", f.pupil_id, ParentLinked(
                **_envelope(), parent_id=f.parent_id, pupil_id=f.pupil_id,
            ))  # fmt: skip

    async def publish_homework(self) -> None:
        class_id = self._rnd.choice(list(CLASSES))
        await self._send("diary.homework", class_id, HomeworkAssigned(
            **_envelope(), homework_id=f"demo-hw-{uuid.uuid4().hex[:8]}", school_id=SCHOOL_ID,
            class_id=class_id, subject=self._rnd.choice(SUBJECTS),
            text=self._rnd.choice(HOMEWORK),
            due_date=(datetime.now(UTC) + timedelta(days=2)).date(), teacher_id="demo-teacher-1",
        ))  # fmt: skip

    async def publish_announcements(self) -> None:
        """One to the whole school (translated) by the administrator, one to 5A by a teacher."""
        school, trip = ANNOUNCEMENTS
        await self._send("diary.announcements", SCHOOL_ID, AnnouncementPublished.model_validate({
            **_envelope(), "announcement_id": f"demo-a-{uuid.uuid4().hex[:8]}",
            "school_id": SCHOOL_ID, "audience": {"scope": "school"}, **school,
            "author_id": "demo-admin-1", "author_role": "school_admin",
        }))  # fmt: skip
        await self._send("diary.announcements", SCHOOL_ID, AnnouncementPublished.model_validate({
            **_envelope(), "announcement_id": f"demo-a-{uuid.uuid4().hex[:8]}",
            "school_id": SCHOOL_ID, "audience": {"scope": "class", "class_ids": ["demo-5a"]},
            **trip, "author_id": "demo-teacher-1", "author_role": "teacher",
        }))  # fmt: skip

    async def publish_week(self, families: list[DemoFamily]) -> str:
        """A realistic week of grades for every pupil; returns the week's ISO label."""
        today = datetime.now(ZONE).date()  # the school's week, as the digest's schedule sees it
        for event in week_of_grades(families, today):
            await self._send("diary.grades", str(getattr(event, "pupil_id", "")), event)
        return this_week(today)[0]

    async def publish_grade(self, families: list[DemoFamily]) -> None:
        f = self._rnd.choice(families)
        await self._send("diary.grades", f.pupil_id, GradePosted(
            **_envelope(), grade_id=f"demo-g-{uuid.uuid4().hex[:8]}", school_id=SCHOOL_ID,
            pupil_id=f.pupil_id, class_id=f.class_id,
            subject=self._rnd.choice(SUBJECTS), lesson_date=datetime.now(UTC).date(),
            assessment="lesson", mark=self._rnd.choice([3, 4, 4, 5, 5]),
            teacher_id="demo-teacher-1",
        ))  # fmt: skip


def wants_instant_grades(f: DemoFamily) -> bool:
    """Every fifth demo parent also wants each grade at once: every type the page offers."""
    return int(f.pupil_id[-2:]) % 5 == 1


async def subscribe_and_top_up(
    base_url: str, token: str, families: list[DemoFamily], *, timeout: float = 30
) -> int:
    """Parents subscribe and top up through the internal API once the roster has arrived."""
    done = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with ClientSession(base_url, headers=headers) as http:
        for f in families:
            types: list[NotificationType] = ["homework", "weekly_grades", "announcements"]
            types += ["grade_instant"] if wants_instant_grades(f) else []
            body = {"parent_id": f.parent_id, "pupil_id": f.pupil_id, "phone": f.phone,
                    "types": types, "language": f.locale,
                    "consent": {"given_by": f.parent_id, "source": "demo diary app",
                                "given_at": datetime.now(UTC).isoformat()}}  # fmt: skip
            deadline = asyncio.get_running_loop().time() + timeout
            while (r := await http.put("/internal/v1/subscriptions", json=body)).status == 404:
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("the roster never arrived; is the consumer running?")
                await asyncio.sleep(0.2)  # the roster event is still on its way
            r.raise_for_status()
            amount = 5_000_00 if f.currency == "KZT" else 1_000_00  # lasts a demo session
            credit = {"amount": amount, "currency": f.currency, "reference": f"demo-{f.parent_id}"}
            (
                await http.post(f"/internal/v1/wallets/{f.parent_id}/credits", json=credit)
            ).raise_for_status()
            done += 1
    return done


async def run_simulator(
    producer: AIOKafkaProducer, prefix: str, base_url: str, token: str, every: float = 4.0
) -> None:
    families = demo_families()
    sim = DiarySimulator(producer, prefix)
    await sim.publish_roster(families)
    await subscribe_and_top_up(base_url, token, families)
    print(f"demo: {len(families)} parents subscribed and topped up; homework starts now")
    week = await sim.publish_week(families)
    print(f"demo: a week of grades posted ({week}); the demo school's weekly digests are due"
          " now (real schools: Friday 18:00 local)")  # fmt: skip
    now = datetime.now(UTC)
    digests = asyncio.create_task(_tell(schedule_and_report(base_url, token, week, now)))
    await sim.publish_announcements()
    print("demo: the school announced a meeting (ru/kk/ky) and 5A a trip; every fifth parent")
    print("      gets a child's grades as one SMS, after GRADE_ALERT_GRACE_MINUTES (default 10)")
    try:
        while True:
            await sim.publish_homework()
            for _ in range(3):
                await sim.publish_grade(families)
            await asyncio.sleep(every)
    finally:
        digests.cancel()


async def _tell(line: Awaitable[str]) -> None:
    print(await line)
