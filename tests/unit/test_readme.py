"""README.md tells an integrator what the code does: every variable, every SMS wording, and
commands that work as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from notifier.__main__ import _parser
from notifier.onboarding.rows import COLUMNS, KINDS, Kind
from notifier.settings import Settings
from notifier.sms.texts import LANGUAGES, TEXTS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_variable_has_a_configuration_row(name: str) -> None:
    assert f"`{name.upper()}`" in README


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_sms_wording_is_shown_in_every_language(kind: str) -> None:
    for language in LANGUAGES:
        assert f"`{TEXTS[kind][language]}`" in README, (kind, language)


def test_the_internal_api_is_documented() -> None:
    assert "/internal/v1/openapi.json" in README
    assert "`POST /wallets/{parent_id}/credits`" in README


def test_no_command_needs_the_system_python() -> None:
    """`python` is the system Python on a fresh clone: it has none of our packages."""
    assert re.findall(r"(?<!\.venv/bin/)\bpython3? -m", README) == []


INLINE_COMMANDS = re.findall(r"`(?:\.venv/bin/)?notifier\s+([a-z][^`]*)`", README)


def test_readme_names_its_commands_inline() -> None:
    assert len(INLINE_COMMANDS) >= 5


@pytest.mark.parametrize("command", INLINE_COMMANDS)
def test_every_inline_notifier_command_parses(command: str) -> None:
    """Prose examples (`notifier mint-token --sub <id> --role ops`) name real commands and
    options; the runnable ones are in `sh` blocks (tests/e2e/test_readme_commands.py)."""
    try:
        _parser().parse_args(shlex.split(command))
    except SystemExit as exc:
        pytest.fail(f"`notifier {command}` does not parse: exit {exc.code}")


@pytest.mark.parametrize("kind", KINDS)
def test_every_import_column_is_documented(kind: Kind) -> None:
    onboarding = README.split("## Onboarding a country", 1)[1].split("\n## ", 1)[0]
    assert "notifier import " + kind in onboarding
    for column in COLUMNS[kind]:
        assert column in onboarding, column
