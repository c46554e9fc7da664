"""The published JSON Schema files are as strict as the service: every example validates,
and every message the service dead-letters is flagged by them too, where JSON Schema can
express the rule (the rest are listed in schemas/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from schemas import InvalidEvent, parse_event
from tests.dead_letter_cases import CASES, EXAMPLES, SCHEMA_BLIND, schema_file

README = (Path(__file__).resolve().parents[2] / "schemas" / "README.md").read_text()


def _flags(topic: str, message: dict[str, Any]) -> bool:
    return any(True for _ in Draft202012Validator(schema_file(topic)).iter_errors(message))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/v1/*.json")), ids=lambda p: p.name)
def test_every_example_is_valid_against_its_schema_file(path: Path) -> None:
    assert not _flags(path.parts[-3], json.loads(path.read_bytes()))


@pytest.mark.parametrize(("case", "topic", "message"), CASES, ids=[c[0] for c in CASES])
def test_what_the_service_dead_letters_the_schema_file_flags(
    case: str, topic: str, message: dict[str, Any]
) -> None:
    with pytest.raises(InvalidEvent):
        parse_event(topic, json.dumps(message).encode())
    assert _flags(topic, message) is (case not in SCHEMA_BLIND)


@pytest.mark.parametrize("rule", ["1.0", "5.0", "points <= max_points"])
def test_rules_json_schema_cannot_express_are_listed_in_the_readme(rule: str) -> None:
    assert rule in README
