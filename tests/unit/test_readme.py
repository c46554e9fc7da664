"""README.md tells an integrator what the code does: every variable, every SMS wording."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("kind", KINDS)
def test_every_import_column_is_documented(kind: Kind) -> None:
    onboarding = README.split("## Onboarding a country", 1)[1].split("\n## ", 1)[0]
    assert "python -m notifier import " + kind in onboarding
    for column in COLUMNS[kind]:
        assert column in onboarding, column
