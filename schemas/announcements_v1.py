"""Topic ``diary.announcements``, version 1: school announcements (defined, not yet consumed).

Message key: the school id, so that one school's announcements arrive in order.
"""

from typing import Annotated, Literal

from pydantic import Field

from schemas._common import DiaryId, Envelope, LongText, Part, Title

__all__ = [
    "AnnouncementEvent",
    "AnnouncementPublished",
    "Audience",
    "AuthorRole",
    "ClassAudience",
    "PupilAudience",
    "SchoolAudience",
]

AuthorRole = Literal["teacher", "school_admin"]
"""Only teachers and school administrators may send notifications to parents."""


class SchoolAudience(Part):
    """Everyone in the school."""

    scope: Literal["school"] = "school"


class ClassAudience(Part):
    """Pupils (and their parents) of some classes of the school."""

    scope: Literal["class"] = "class"
    class_ids: tuple[DiaryId, ...] = Field(min_length=1, max_length=200)


class PupilAudience(Part):
    """Some pupils (and their parents) of the school."""

    scope: Literal["pupils"] = "pupils"
    pupil_ids: tuple[DiaryId, ...] = Field(min_length=1, max_length=2000)


Audience = Annotated[SchoolAudience | ClassAudience | PupilAudience, Field(discriminator="scope")]
"""Who an announcement is for, told apart by ``scope``."""


class AnnouncementPublished(Envelope):
    """A teacher or school administrator published an announcement."""

    event_type: Literal["announcement.published"] = "announcement.published"
    announcement_id: DiaryId
    school_id: DiaryId
    audience: Audience
    title: Title
    text: LongText
    author_id: DiaryId
    author_role: AuthorRole


AnnouncementEvent = Annotated[AnnouncementPublished, Field(discriminator="event_type")]
"""Any event of ``diary.announcements`` v1, told apart by ``event_type``."""
