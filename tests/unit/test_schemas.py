"""The event contracts in ``schemas/``: examples, generated JSON Schema, rejection reasons."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

import schemas
from schemas import TOPICS, InvalidEvent, dead_letter_topic, encode_event, parse_event
from schemas.export import expected_files, main, stale_files

EXAMPLES = Path(schemas.__file__).parent / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*/v*/*.json"))


def example(topic: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / topic / "v1" / f"{name}.json").read_bytes())
    return data


def event_types(topic: str, version: int = 1) -> set[str]:
    schema = TOPICS[topic].versions[version].json_schema()
    return set(schema["discriminator"]["mapping"])


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_example_validates_and_round_trips(path: Path) -> None:
    topic, version, name = path.parts[-3], int(path.parts[-2][1:]), path.stem.split("--")[0]
    event = parse_event(topic, path.read_bytes())
    assert (event.event_type, event.schema_version) == (name, version)
    assert version in TOPICS[topic].versions
    encoded = encode_event(event)
    assert parse_event(topic, encoded) == event
    original = json.loads(path.read_bytes())
    written = {k: v for k, v in json.loads(encoded).items() if v is not None}
    assert written == original  # nothing lost, nothing reformatted


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_event_type_has_an_example(topic: str) -> None:
    names = {p.stem.split("--")[0] for p in (EXAMPLES / topic / "v1").glob("*.json")}
    assert names == event_types(topic)


def test_registry() -> None:
    assert sorted(TOPICS) == [
        "diary.announcements",
        "diary.grades",
        "diary.homework",
        "diary.roster",
    ]
    keys = {name: t.key for name, t in TOPICS.items()}
    assert keys == {
        "diary.roster": "pupil_id",
        "diary.homework": "class_id",
        "diary.grades": "pupil_id",
        "diary.announcements": "school_id",
    }
    for name, topic in TOPICS.items():
        assert topic.name == name
        assert topic.dead_letter == dead_letter_topic(name) == f"{name}.dlq"
        assert list(topic.versions) == [1]
    assert TOPICS["diary.announcements"].consumers == ("school-notifier",)
    assert TOPICS["diary.roster"].consumers == ("school-notifier",)


def test_generated_json_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert stale_files() == []
    assert main(["--check"]) == 0
    assert capsys.readouterr().err == ""
    for path, text in expected_files().items():
        assert text.endswith("}\n")
        schema = json.loads(text)
        assert schema["title"] == f"{path.parent.name} v1"
        for name, definition in schema["$defs"].items():
            if not name.endswith(("Audience", "Translation")):  # nested parts
                assert {"event_id", "event_type", "schema_version"} <= set(definition["required"])


def test_export_check_reports_missing_and_stale(tmp_path: Path) -> None:
    files = expected_files(tmp_path)
    first, second, *_ = files
    second.parent.mkdir(parents=True)
    second.write_text(files[second].replace("pupil", "pupi1"), encoding="utf-8")
    orphan = tmp_path / "diary.roster" / "v0.schema.json"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_text("{}\n", encoding="utf-8")
    problems = stale_files(tmp_path)
    assert ("missing", first) in problems
    assert ("stale", second) in problems
    assert ("orphaned", orphan) in problems


def test_free_text_is_stripped_ids_are_not_and_extra_fields_are_ignored() -> None:
    doc = {**example("diary.homework", "homework.assigned"), "subject": " Математика \n"}
    event = parse_event("diary.homework", json.dumps({**doc, "added_in_v1_1": [1]}).encode())
    assert event.event_type == "homework.assigned"
    assert event.subject == "Математика"
    assert "added_in_v1_1" not in json.loads(encode_event(event))
    doc["class_id"] = " kz-alm-159:5A"
    with pytest.raises(InvalidEvent, match=r"^class_id: string should match pattern"):
        parse_event("diary.homework", json.dumps(doc).encode())


def test_python_producer_round_trip() -> None:
    event = schemas.GradeDeleted(
        event_id=uuid4(),
        occurred_at=datetime(2025, 10, 15, 11, 41, tzinfo=timezone(timedelta(hours=5))),
        grade_id="kz-g-1",
        school_id="kz-alm-159",
        pupil_id="kz-p-104233",
    )
    assert json.loads(encode_event(event))["event_type"] == "grade.deleted"
    assert parse_event("diary.grades", encode_event(event)) == event
    with pytest.raises(ValidationError, match="timezone"):
        schemas.PupilLeft(
            event_id=uuid4(), occurred_at=datetime(2025, 1, 1), pupil_id="p", school_id="s"
        )


def test_events_are_immutable() -> None:
    event = parse_event("diary.roster", json.dumps(example("diary.roster", "pupil.left")).encode())
    assert isinstance(event, schemas.PupilLeft)
    with pytest.raises(ValidationError):
        event.pupil_id = "other"  # type: ignore[misc]


HW, GR, RO, AN = "homework.assigned", "grade.posted", "pupil.enrolled", "announcement.published"
TOPIC_OF = {HW: "diary.homework", GR: "diary.grades", RO: "diary.roster", AN: "diary.announcements"}
DELETE: Any = object()
UNKNOWN_HW = "unknown event_type 'homework.exploded' (expected one of: homework.assigned, "
CASES: list[tuple[str, dict[str, Any], str]] = [
    (HW, {"class_id": DELETE, "occurred_at": "2025-10-14T13:20:00"},
     "occurred_at: must be timezone-aware; missing field 'class_id'"),
    (HW, {"event_type": "homework.exploded"}, UNKNOWN_HW + "homework.updated, homework.cancelled)"),
    (HW, {"event_type": DELETE}, "missing field 'event_type'"),
    (HW, {"pupil_ids": []}, "pupil_ids: must not be empty"),
    (HW, {"text": "  "}, "text: must not be empty"),
    (HW, {"schema_version": 2}, "unsupported schema_version 2 (supported: 1)"),
    (HW, {"schema_version": True}, "unsupported schema_version True (supported: 1)"),
    (HW, {"schema_version": DELETE}, "missing field 'schema_version'"),
    (GR, {"points": 12, "max_points": 10}, "points (12) must not exceed max_points (10)"),
    (GR, {"assessment": "quarter"}, "period is required when assessment is 'quarter'"),
    (GR, {"assessment": "half_year", "period": 3},
     "period must be 1-2 when assessment is 'half_year'"),
    (GR, {"points": 3}, "points and max_points must be given together"),
    (GR, {"mark": None}, "at least one of mark or points is required"),
    (GR, {"mark": "5"}, "mark: input should be a valid integer"),
    (GR, {"mark": 11}, "mark: input should be less than or equal to 10"),
    (RO, {"time_zone": "Asia/Atlantis"}, "time_zone: unknown IANA time zone 'Asia/Atlantis'"),
    (RO, {"locale": "en"}, "locale: input should be 'ru', 'kk' or 'ky'"),
    (AN, {"audience": {"scope": "class"}}, "missing field 'audience.class_ids'"),
    (AN, {"audience": {"scope": "all"}},
     "unknown audience.scope 'all' (expected one of: school, class, pupils)"),
    (AN, {"author_role": "parent"}, "author_role: input should be 'teacher' or 'school_admin'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "changes", "reason"), CASES)
def test_invalid_event_reason(name: str, changes: dict[str, Any], reason: str) -> None:
    doc = {k: v for k, v in {**example(TOPIC_OF[name], name), **changes}.items() if v is not DELETE}
    with pytest.raises(InvalidEvent) as caught:
        parse_event(TOPIC_OF[name], json.dumps(doc).encode())
    assert caught.value.reason == reason
    assert str(caught.value) == reason
    if "schema_version" not in changes:
        assert isinstance(caught.value.__cause__, ValidationError)


UNREADABLE: list[tuple[str, bytes | None, str, type[BaseException] | None]] = [
    ("diary.grades", b"", "not valid JSON: Expecting value at line 1 column 1", ValueError),
    ("diary.grades", b'{"a": }', "not valid JSON: Expecting value at line 1 column 7", ValueError),
    ("diary.grades", b"\xff", "not valid UTF-8: invalid start byte at byte 0", ValueError),
    ("diary.grades", b"[" * 100_000, "not valid JSON: nested too deeply", RecursionError),
    ("diary.grades", b"[]", "expected a JSON object, got array", None),
    ("diary.grades", None, "no value (a tombstone): expected a JSON object", None),
    ("diary.marks", b"{}", "unknown topic 'diary.marks' (known: diary.announcements, "
     "diary.grades, diary.homework, diary.roster)", None),
]  # fmt: skip


@pytest.mark.parametrize(("topic", "value", "reason", "cause"), UNREADABLE)
def test_unreadable_message_reason(
    topic: str, value: bytes | None, reason: str, cause: type[BaseException] | None
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(topic, value)
    assert caught.value.reason == reason
    if cause is None:
        assert caught.value.__cause__ is None
    else:
        assert isinstance(caught.value.__cause__, cause)


def test_reason_is_one_short_line() -> None:
    doc = {**example("diary.homework", HW), "event_type": "x\n" * 500, "pupil_ids": ["a b"] * 9}
    with pytest.raises(InvalidEvent) as caught:
        parse_event("diary.homework", json.dumps(doc).encode())
    assert "\n" not in caught.value.reason
    assert len(caught.value.reason) < 200
    doc["event_type"] = HW
    with pytest.raises(InvalidEvent, match=r"; and 4 more$"):
        parse_event("diary.homework", json.dumps(doc).encode())
