"""Topic ``diary.announcements``, version 1: school announcements to parents.

Message key: the school id, so that one school's announcements arrive in order.
"""

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from schemas._common import DiaryId, Envelope, Locale, LongText, Part, Title, wire_required

__all__ = [
    "AnnouncementEvent",
    "AnnouncementPublished",
    "Audience",
    "AuthorRole",
    "ClassAudience",
    "PupilAudience",
    "SchoolAudience",
    "Translation",
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


class Translation(Part):
    """The announcement in another language, for parents who chose it for their SMS."""

    title: Title
    text: LongText


def _urgent_only_by_admins(schema: JsonDict) -> None:
    wire_required(schema)
    schema["if"] = {"required": ["urgent"], "properties": {"urgent": {"const": True}}}
    schema["then"] = {"properties": {"author_role": {"const": "school_admin"}}}


class AnnouncementPublished(Envelope):
    """A teacher or school administrator published an announcement.

    Optional fields (added within v1): ``translations`` by language (parents whose SMS
    language has none get ``title`` and ``text`` as sent), and ``urgent``, which only a
    ``school_admin`` may set: it is sent at once rather than in the sending window, yet never
    at night."""

    model_config = ConfigDict(json_schema_extra=_urgent_only_by_admins)

    event_type: Literal["announcement.published"] = "announcement.published"
    announcement_id: DiaryId
    school_id: DiaryId
    audience: Audience
    title: Title
    text: LongText
    author_id: DiaryId
    author_role: AuthorRole
    translations: dict[Locale, Translation] | None = Field(
        default=None,
        description="The title and text in other languages (ru, kk, ky); optional.",
    )
    urgent: bool | None = Field(
        default=None, description="Send at once, but not at night; school_admin only."
    )

    @model_validator(mode="after")
    def _urgent_by_admin(self) -> Self:
        if self.urgent and self.author_role != "school_admin":
            raise ValueError(
                f"only a school_admin may mark an announcement urgent, not a {self.author_role}"
            )
        return self


AnnouncementEvent = Annotated[AnnouncementPublished, Field(discriminator="event_type")]
"""Any event of ``diary.announcements`` v1, told apart by ``event_type``."""
