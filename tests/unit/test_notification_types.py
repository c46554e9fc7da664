"""The notification types exist once (notifier/notification_types.py); whatever else names
them is derived from that list or held to it here."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from notifier.http.api.models import SubscriptionIn
from notifier.http.api.unsubscribe_page import page
from notifier.http.internal_models import SubscriptionIn as InternalSubscriptionIn
from notifier.manager.cost_hints import samples
from notifier.notification_types import DIGEST, KINDS, NOTIFICATION_TYPES, TEXTS
from notifier.sms.texts import LANGUAGES
from notifier.web import manager_page

ROOT = Path(__file__).resolve().parents[2]
# SQL that picks subscribers by type: `'homework' = ANY (s.types)`.
SQL_FILTER = re.compile(r"'(\w+)' = ANY \((?:\w+\.)?types\)")


def test_every_type_is_named_in_every_language_in_the_registry_order() -> None:
    assert tuple(TEXTS) == NOTIFICATION_TYPES
    for texts in TEXTS.values():
        for names in (texts.label, texts.frequency, texts.what):
            assert set(names) == set(LANGUAGES)
            assert all(names.values())


def test_the_page_offers_a_checkbox_per_type_and_is_handed_the_list() -> None:
    html = manager_page().html
    boxes = re.findall(r'<input type="checkbox" id="type-(\w+)" value="\1"', html)
    assert tuple(boxes) == NOTIFICATION_TYPES
    served = re.search(r'<script type="application/json" id="notification-types">(.*?)</script>',
                       html)  # fmt: skip
    assert served is not None
    data = json.loads(served.group(1))
    assert (tuple(data["types"]), data["digest"]) == (NOTIFICATION_TYPES, DIGEST)
    assert data["texts"]["kk"]["type_homework"] == TEXTS["homework"].label["kk"]


@pytest.mark.parametrize("script", ["manager.js", "i18n.js"])
def test_the_page_scripts_keep_no_list_of_their_own(script: str) -> None:
    source = (ROOT / "notifier/web/static" / script).read_text("utf-8")
    assert [name for name in NOTIFICATION_TYPES if name in source] == []


def test_every_sql_filter_on_types_names_a_registered_type() -> None:
    found = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in (ROOT / "notifier").rglob("*.py")
        for name in SQL_FILTER.findall(path.read_text("utf-8"))
    }
    assert found  # the scan sees the digest, alerts and announcements queries
    assert {(p, n) for p, n in found if n not in NOTIFICATION_TYPES} == set()
    assert ("notifier/digest/load.py", DIGEST) in found


def test_the_manager_prices_every_type_but_the_digest_with_a_sample() -> None:
    for lang in LANGUAGES:
        assert set(samples(lang, "Дана", date(2026, 11, 23), 2)) == set(NOTIFICATION_TYPES) - {
            DIGEST
        }


@pytest.mark.parametrize("model", [SubscriptionIn, InternalSubscriptionIn])
def test_the_apis_take_every_registered_type_at_once_and_nothing_else(model: type) -> None:
    consent = {"given_by": "p", "given_at": "2026-12-01T09:00:00+05:00", "source": "diary app"}
    body = {"phone": "+77011234567", "language": "ru", "parent_id": "p", "pupil_id": "c",
            "consent": consent}  # fmt: skip
    body = {k: v for k, v in body.items() if k in model.model_fields}
    model.model_validate({**body, "types": list(NOTIFICATION_TYPES)})
    with pytest.raises(ValidationError):
        model.model_validate({**body, "types": ["sports"]})


@pytest.mark.parametrize("name", NOTIFICATION_TYPES)
def test_the_unsubscribe_page_names_the_type(name: str) -> None:
    assert TEXTS[name].what["ky"] in page("confirm", "ky", name)


@pytest.mark.parametrize("name", NOTIFICATION_TYPES)
def test_the_readme_shows_what_each_type_sends(name: str) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"\n| `{name}` |" in readme


def test_every_type_names_the_outbox_kinds_its_sms_are_queued_as() -> None:
    assert set(KINDS) == set(NOTIFICATION_TYPES)
    kinds = [kind for names in KINDS.values() for kind in names]
    assert len(kinds) == len(set(kinds))  # one type per kind
