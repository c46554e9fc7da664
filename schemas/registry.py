"""The topic registry: every topic, its key, its schema versions and who talks on it."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias

from pydantic import TypeAdapter

from schemas.announcements_v1 import AnnouncementEvent, AnnouncementPublished
from schemas.grades_v1 import GradeChanged, GradeDeleted, GradeEvent, GradePosted
from schemas.homework_v1 import HomeworkAssigned, HomeworkCancelled, HomeworkEvent, HomeworkUpdated
from schemas.roster_v1 import (
    ParentLinked,
    ParentUnlinked,
    PupilEnrolled,
    PupilLeft,
    PupilUpdated,
    RosterEvent,
)

__all__ = ["NOTIFIER", "TOPICS", "DiaryEvent", "Topic", "consumed_by", "dead_letter_topic"]

DiaryEvent: TypeAlias = (
    PupilEnrolled
    | PupilUpdated
    | PupilLeft
    | ParentLinked
    | ParentUnlinked
    | HomeworkAssigned
    | HomeworkUpdated
    | HomeworkCancelled
    | GradePosted
    | GradeChanged
    | GradeDeleted
    | AnnouncementPublished
)
"""Any event of any topic and version: what ``parse_event`` returns."""

DIARY = "e-diary"
NOTIFIER = "school-notifier"


def dead_letter_topic(name: str) -> str:
    """The dead-letter topic for messages of topic ``name`` that fail validation."""
    return f"{name}.dlq"


@dataclass(frozen=True)
class Topic:
    """One Kafka topic: JSON values in UTF-8, one pydantic schema per version."""

    name: str
    key: str
    """What the message key holds, e.g. ``"pupil_id"``: it decides the ordering."""
    versions: Mapping[int, TypeAdapter[DiaryEvent]] = field(hash=False, compare=False)
    producer: str
    consumers: tuple[str, ...]
    dead_letter: str
    description: str


def _topic(
    name: str,
    key: str,
    v1: TypeAdapter[DiaryEvent],
    consumers: tuple[str, ...],
    description: str,
) -> Topic:
    return Topic(
        name=name,
        key=key,
        versions=MappingProxyType({1: v1}),
        producer=DIARY,
        consumers=consumers,
        dead_letter=dead_letter_topic(name),
        description=description,
    )


TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        _topic(
            "diary.roster",
            "pupil_id",
            TypeAdapter(RosterEvent),
            (NOTIFIER,),
            "Pupils enrolled, updated and leaving; parents linked to and unlinked from pupils.",
        ),
        _topic(
            "diary.homework",
            "class_id",
            TypeAdapter(HomeworkEvent),
            (NOTIFIER,),
            "Homework assigned to a class (or some of its pupils), updated or cancelled.",
        ),
        _topic(
            "diary.grades",
            "pupil_id",
            TypeAdapter(GradeEvent),
            (NOTIFIER,),
            "Lesson and final (quarter, half-year, year) grades posted, changed or deleted.",
        ),
        _topic(
            "diary.announcements",
            "school_id",
            TypeAdapter(AnnouncementEvent),
            (NOTIFIER,),
            "Announcements by teachers and school administrators to parents.",
        ),
    )
}
"""Every topic by its base name (without any environment prefix)."""


def consumed_by(consumer: str) -> tuple[str, ...]:
    """The topics ``consumer`` reads, in the order of the registry."""
    return tuple(name for name, topic in TOPICS.items() if consumer in topic.consumers)
