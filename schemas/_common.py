"""Building blocks shared by every event contract: the envelope and the field types."""

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.config import JsonDict

DiaryId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
"""An identifier issued by the e-diary: opaque, compared exactly, never trimmed."""


def _text(max_length: int) -> StringConstraints:
    # The pattern (a character that is not whitespace) also tells JSON Schema validators
    # that a text of spaces only is empty once stripped.
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=r"\S"
    )


PersonName = Annotated[str, _text(100)]
"""A person's name as the diary shows it; surrounding whitespace is stripped."""
SchoolName = Annotated[str, _text(200)]
"""Official school names are long ("КГУ «Школа-гимназия № 12 имени Абая»")."""
ClassName = Annotated[str, _text(20)]
"""Grade number and letter, e.g. "5А", "11 «Б»"."""
Subject = Annotated[str, _text(100)]
"""A school subject as the diary names it, e.g. "Математика", "Қазақ тілі"."""
Title = Annotated[str, _text(200)]
"""A short heading."""
LongText = Annotated[str, _text(4000)]
"""Free text written by a teacher or school administrator."""

Country = Literal["KZ", "KG"]
"""ISO 3166-1 alpha-2 code of the school's country: Kazakhstan or Kyrgyzstan."""
Locale = Literal["ru", "kk", "ky"]
"""Language for texts about the pupil: Russian, Kazakh or Kyrgyz."""


TIME_ZONES: tuple[str, ...] = tuple(
    (Path(__file__).parent / "time_zones.txt").read_text(encoding="utf-8").split()
)
"""IANA zone names accepted, a snapshot of the tzdata package's list (``time_zones.txt``):
the published JSON Schema lists the same names, so both sides accept exactly these."""


def _known_time_zone(name: str) -> str:
    try:
        if name not in _ZONE_SET:
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown IANA time zone {name!r}") from None
    return name


_ZONE_SET = frozenset(TIME_ZONES)
TimeZoneName = Annotated[
    str,
    StringConstraints(max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"),
    AfterValidator(_known_time_zone),
    WithJsonSchema({"type": "string", "enum": list(TIME_ZONES)}),
]
"""An IANA time zone name such as "Asia/Almaty" or "Asia/Bishkek"."""


def wire_required(schema: JsonDict) -> None:
    """Constant fields (discriminators, ``schema_version``) have defaults for Python producers,
    but every message on the wire must carry them: the JSON Schema lists them as required."""
    properties = schema.get("properties")
    required = schema.get("required", [])
    if isinstance(properties, dict) and isinstance(required, list):
        constants = [n for n, p in properties.items() if isinstance(p, dict) and "const" in p]
        schema["required"] = [*constants, *(n for n in required if n not in constants)]


class Envelope(BaseModel):
    """Fields every event carries, on every topic and in every version.

    Models are immutable. Unknown fields are ignored, so the diary may add optional fields
    within a version without breaking consumers (see schemas/README.md).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_extra=wire_required)

    event_id: UUID = Field(
        description="Idempotency key: unique per event, reused when the same event is resent."
    )
    event_type: str = Field(description="Discriminator: which event this is.")
    occurred_at: AwareDatetime = Field(
        description="When it happened in the diary: ISO 8601 with a UTC offset."
    )
    schema_version: Literal[1] = Field(default=1, description="Version of the topic schema.")


class Part(BaseModel):
    """Base for nested objects inside events: immutable, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_extra=wire_required)
