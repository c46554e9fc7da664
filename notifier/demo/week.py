"""A realistic school week of grades for the demo: what the weekly digest summarises.

Per pupil about twenty marks Monday to Friday of the given day's week across the timetable, a
criteria-based score, for some a quarter final; one mark corrected and one deleted, as
teachers do.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from notifier.demo.school import SCHOOL_ID, SUBJECTS, DemoFamily
from notifier.digest.schedule import iso_week
from schemas import Envelope, GradeChanged, GradeDeleted, GradePosted


def this_week(today: date) -> tuple[str, date]:
    """The ISO week label and its Monday."""
    return iso_week(today), today - timedelta(days=today.weekday())


def week_of_grades(families: list[DemoFamily], today: date, seed: int = 11) -> list[Envelope]:
    rnd = random.Random(seed)  # noqa: S311 - demo data
    _, monday = this_week(today)
    events: list[Envelope] = []
    for f in families:
        events += _pupil_week(f, monday, rnd)
    return events


def _pupil_week(f: DemoFamily, monday: date, rnd: random.Random) -> list[Envelope]:
    def grade(n: int, subject: str, day: int, **over: Any) -> dict[str, Any]:
        return {"event_id": uuid.uuid4(), "occurred_at": datetime.now(UTC),
                "grade_id": f"demo-w-{f.pupil_id}-{n}", "school_id": SCHOOL_ID,
                "pupil_id": f.pupil_id, "class_id": f.class_id, "subject": subject,
                "lesson_date": monday + timedelta(days=day), "assessment": "lesson",
                "teacher_id": "demo-teacher-1"} | over  # fmt: skip

    marks = [grade(n, rnd.choice(SUBJECTS), rnd.randrange(5), mark=rnd.choice([3, 4, 4, 5, 5]))
             for n in range(18)]  # fmt: skip
    events: list[Envelope] = [GradePosted(**m) for m in marks]
    events.append(GradePosted(**grade(18, "Физика", 3, points=rnd.randrange(10, 21),
                                      max_points=20)))  # fmt: skip
    if rnd.random() < 0.4:
        events.append(GradePosted(**grade(19, "Математика", 4, assessment="quarter", period=2,
                                          mark=rnd.choice([4, 5]))))  # fmt: skip
    # A teacher corrects the first mark and removes the second.
    events.append(GradeChanged(**marks[0] | {"event_id": uuid.uuid4(), "mark": 5,
                                             "occurred_at": datetime.now(UTC)}))  # fmt: skip
    events.append(GradeDeleted(event_id=uuid.uuid4(), occurred_at=datetime.now(UTC),
                               grade_id=marks[1]["grade_id"], school_id=SCHOOL_ID,
                               pupil_id=f.pupil_id))  # fmt: skip
    return events
