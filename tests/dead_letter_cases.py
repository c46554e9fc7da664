"""Messages the service dead-letters, built from the published examples: each breaks one
rule. `SCHEMA_BLIND` are the ones JSON Schema cannot flag (schemas/README.md lists them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemas

EXAMPLES = Path(schemas.__file__).parent / "examples"
JSON_DIR = Path(schemas.__file__).parent / "json"


def example(topic: str, name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / topic / "v1" / f"{name}.json").read_bytes())
    return {k: v for k, v in (data | changes).items() if v is not _ABSENT}


_ABSENT = object()
GR, RO, HW, AN = "diary.grades", "diary.roster", "diary.homework", "diary.announcements"
POINTS = "grade.posted--points"
ANN, EN = "announcement.published", {"title": "Meeting", "text": "At 18:30"}

# (case id, topic, message): every one is dead-lettered by the service.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("whitespace subject", GR, example(GR, "grade.posted", subject="   ")),
    ("whitespace homework text", HW, example(HW, "homework.assigned", text=" \n\t ")),
    ("whitespace title", AN, example(AN, "announcement.published", title="  ")),
    ("urgent by a teacher", AN, example(AN, "announcement.published--class", urgent=True)),
    ("sender neither teacher nor admin", AN, example(AN, ANN, author_role="parent")),
    ("translation to an unknown language", AN, example(AN, ANN, translations={"en": EN})),
    ("whitespace first name", RO, example(RO, "pupil.enrolled", first_name="  ")),
    ("unknown time zone", RO, example(RO, "pupil.enrolled", time_zone="Asia/Atlantis")),
    ("period on a lesson grade", GR, example(GR, "grade.posted", period=2)),
    ("quarter without period", GR, example(GR, "grade.posted", assessment="quarter")),
    ("half-year period 3", GR, example(GR, "grade.posted", assessment="half_year", period=3)),
    ("points without max", GR, example(GR, POINTS, max_points=_ABSENT)),
    ("max without points", GR, example(GR, "grade.posted", max_points=10)),
    ("neither mark nor points", GR, example(GR, "grade.posted", mark=None)),
    # JSON Schema cannot tell these apart from valid messages:
    ("schema_version 1.0", GR, example(GR, "grade.posted", schema_version=1.0)),
    ("mark 5.0", GR, example(GR, "grade.posted", mark=5.0)),
    ("points above max", GR, example(GR, POINTS, points=11, max_points=10)),
]
SCHEMA_BLIND = {"schema_version 1.0", "mark 5.0", "points above max"}


def schema_file(topic: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((JSON_DIR / topic / "v1.schema.json").read_text())
    return loaded
