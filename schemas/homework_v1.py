"""Topic ``diary.homework``, version 1: homework set, changed or cancelled.

Message key: the class id, so that every event about one class's homework arrives in order.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from schemas._common import DiaryId, Envelope, LongText, PersonName, Subject

__all__ = ["HomeworkAssigned", "HomeworkCancelled", "HomeworkEvent", "HomeworkUpdated"]


class _Homework(Envelope):
    """The full current state of a homework assignment (a snapshot, never a diff)."""

    homework_id: DiaryId
    school_id: DiaryId
    class_id: DiaryId
    pupil_ids: tuple[DiaryId, ...] | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Only these pupils of the class; absent means the whole class.",
    )
    subject: Subject
    text: LongText
    due_date: date
    teacher_id: DiaryId
    teacher_name: PersonName | None = None


class HomeworkAssigned(_Homework):
    """A teacher set homework for a class or for some of its pupils."""

    event_type: Literal["homework.assigned"] = "homework.assigned"


class HomeworkUpdated(_Homework):
    """A teacher changed homework already set: the whole assignment as it is now."""

    event_type: Literal["homework.updated"] = "homework.updated"


class HomeworkCancelled(Envelope):
    """A teacher withdrew homework."""

    event_type: Literal["homework.cancelled"] = "homework.cancelled"
    homework_id: DiaryId
    school_id: DiaryId
    class_id: DiaryId


HomeworkEvent = Annotated[
    HomeworkAssigned | HomeworkUpdated | HomeworkCancelled,
    Field(discriminator="event_type"),
]
"""Any event of ``diary.homework`` v1, told apart by ``event_type``."""
