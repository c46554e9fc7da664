"""Topic ``diary.roster``, version 1: pupils joining, changing and leaving, parents' links.

Message key: the pupil id, so that every event about one pupil arrives in order.
"""

from typing import Annotated, Literal

from pydantic import Field

from schemas._common import (
    ClassName,
    Country,
    DiaryId,
    Envelope,
    Locale,
    PersonName,
    SchoolName,
    TimeZoneName,
)

__all__ = [
    "ParentLinked",
    "ParentUnlinked",
    "PupilEnrolled",
    "PupilLeft",
    "PupilUpdated",
    "RosterEvent",
]


class _PupilProfile(Envelope):
    """The full current profile of a pupil (a snapshot, never a diff)."""

    pupil_id: DiaryId
    school_id: DiaryId
    school_name: SchoolName | None = None
    school_country: Country
    class_id: DiaryId
    class_name: ClassName = Field(description='Grade number and letter, e.g. "5А".')
    first_name: PersonName
    locale: Locale = Field(description="Language of texts about this pupil: ru, kk or ky.")
    time_zone: TimeZoneName = Field(description='IANA time zone, e.g. "Asia/Almaty".')


class PupilEnrolled(_PupilProfile):
    """A pupil joined a class of a school."""

    event_type: Literal["pupil.enrolled"] = "pupil.enrolled"


class PupilUpdated(_PupilProfile):
    """Something in the pupil's profile changed (a class move included): the whole profile."""

    event_type: Literal["pupil.updated"] = "pupil.updated"


class PupilLeft(Envelope):
    """The pupil left the school: no more notifications about them."""

    event_type: Literal["pupil.left"] = "pupil.left"
    pupil_id: DiaryId
    school_id: DiaryId


class ParentLinked(Envelope):
    """A parent's diary account was linked to a pupil."""

    event_type: Literal["parent.linked"] = "parent.linked"
    parent_id: DiaryId
    pupil_id: DiaryId


class ParentUnlinked(Envelope):
    """A parent's diary account was unlinked from a pupil."""

    event_type: Literal["parent.unlinked"] = "parent.unlinked"
    parent_id: DiaryId
    pupil_id: DiaryId


RosterEvent = Annotated[
    PupilEnrolled | PupilUpdated | PupilLeft | ParentLinked | ParentUnlinked,
    Field(discriminator="event_type"),
]
"""Any event of ``diary.roster`` v1, told apart by ``event_type``."""
