"""Topic ``diary.grades``, version 1: marks and points posted, changed or deleted.

Message key: the pupil id, so that every event about one pupil's grades arrives in order.
"""

from datetime import date
from typing import Annotated, Any, Literal, Self, cast

from pydantic import ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from schemas._common import DiaryId, Envelope, Subject, wire_required

__all__ = ["Assessment", "GradeChanged", "GradeDeleted", "GradeEvent", "GradePosted"]

Assessment = Literal["lesson", "quarter", "half_year", "year"]
"""A lesson's attestation, or a final attestation for a quarter, a half-year or the year."""

_PERIODS: dict[str, int] = {"quarter": 4, "half_year": 2}


def _integer(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"type": "integer"}}}


# `_consistent` below, as far as JSON Schema can say it (not: points <= max_points).
_RULES: list[dict[str, Any]] = [
    {
        "if": {"properties": {"assessment": {"enum": ["lesson", "year"]}}},
        "then": {"properties": {"period": {"type": "null"}}},
    },
    *(
        {
            "if": {"properties": {"assessment": {"const": name}}},
            "then": {
                "required": ["period"],
                "properties": {"period": {"type": "integer", "maximum": periods}},
            },
        }
        for name, periods in _PERIODS.items()
    ),
    {"if": _integer("points"), "then": _integer("max_points")},
    {"if": _integer("max_points"), "then": _integer("points")},
    {"anyOf": [_integer("mark"), _integer("points")]},
]


def _grade_schema(schema: JsonDict) -> None:
    wire_required(schema)
    schema["allOf"] = cast(JsonDict, _RULES)


class _Grade(Envelope):
    """The full current state of a grade (a snapshot, never a diff)."""

    model_config = ConfigDict(json_schema_extra=_grade_schema)

    grade_id: DiaryId
    school_id: DiaryId
    pupil_id: DiaryId
    class_id: DiaryId
    subject: Subject
    lesson_date: date = Field(description="The lesson's date; for a final grade, when given.")
    assessment: Assessment
    period: int | None = Field(
        default=None, ge=1, le=4, description="Quarter 1-4 or half-year 1-2; final grades only."
    )
    mark: int | None = Field(default=None, ge=1, le=10, description="A mark, usually 1-5.")
    points: int | None = Field(default=None, ge=0, le=1000, description="Criteria-based score.")
    max_points: int | None = Field(default=None, ge=1, le=1000)
    teacher_id: DiaryId

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Cross-field rules; the JSON Schema carries them too (`_RULES`), except one."""
        problems: list[str] = []
        periods = _PERIODS.get(self.assessment)
        if periods is None and self.period is not None:
            problems.append(f"period must be absent when assessment is {self.assessment!r}")
        elif periods is not None and self.period is None:
            problems.append(f"period is required when assessment is {self.assessment!r}")
        elif periods is not None and self.period is not None and self.period > periods:
            problems.append(f"period must be 1-{periods} when assessment is {self.assessment!r}")
        points, max_points = self.points, self.max_points
        if (points is None) != (max_points is None):
            problems.append("points and max_points must be given together")
        elif points is not None and max_points is not None and points > max_points:
            problems.append(f"points ({points}) must not exceed max_points ({max_points})")
        if self.mark is None and self.points is None:
            problems.append("at least one of mark or points is required")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class GradePosted(_Grade):
    """A teacher gave a pupil a grade."""

    event_type: Literal["grade.posted"] = "grade.posted"


class GradeChanged(_Grade):
    """A teacher corrected a grade: the whole grade as it is now."""

    event_type: Literal["grade.changed"] = "grade.changed"


class GradeDeleted(Envelope):
    """A grade was removed from the diary."""

    event_type: Literal["grade.deleted"] = "grade.deleted"
    grade_id: DiaryId
    school_id: DiaryId
    pupil_id: DiaryId


GradeEvent = Annotated[
    GradePosted | GradeChanged | GradeDeleted,
    Field(discriminator="event_type"),
]
"""Any event of ``diary.grades`` v1, told apart by ``event_type``."""
