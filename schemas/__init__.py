"""Event contracts of the e-diary's Kafka topics: pydantic models, one module per topic and
version, and the topic registry. JSON Schema files are generated from the models
(``python -m schemas.export``); see schemas/README.md."""

from schemas._common import DiaryId, Envelope
from schemas.announcements_v1 import AnnouncementEvent, AnnouncementPublished
from schemas.codec import InvalidEvent, encode_event, parse_event
from schemas.grades_v1 import GradeChanged, GradeDeleted, GradeEvent, GradePosted
from schemas.homework_v1 import HomeworkAssigned, HomeworkCancelled, HomeworkEvent, HomeworkUpdated
from schemas.registry import NOTIFIER, TOPICS, DiaryEvent, Topic, consumed_by, dead_letter_topic
from schemas.roster_v1 import (
    ParentLinked,
    ParentUnlinked,
    PupilEnrolled,
    PupilLeft,
    PupilUpdated,
    RosterEvent,
)

__all__ = [
    "NOTIFIER",
    "TOPICS",
    "AnnouncementEvent",
    "AnnouncementPublished",
    "DiaryEvent",
    "DiaryId",
    "Envelope",
    "GradeChanged",
    "GradeDeleted",
    "GradeEvent",
    "GradePosted",
    "HomeworkAssigned",
    "HomeworkCancelled",
    "HomeworkEvent",
    "HomeworkUpdated",
    "InvalidEvent",
    "ParentLinked",
    "ParentUnlinked",
    "PupilEnrolled",
    "PupilLeft",
    "PupilUpdated",
    "RosterEvent",
    "Topic",
    "consumed_by",
    "dead_letter_topic",
    "encode_event",
    "parse_event",
]
