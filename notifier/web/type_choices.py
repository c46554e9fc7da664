"""The Manager's notification types, rendered from notifier/notification_types.py into its
page: one checkbox per type, and the types with their names in every language as JSON that
manager.js reads (so the page never keeps a list of its own)."""

from __future__ import annotations

import json
from html import escape

from notifier.notification_types import DIGEST, NOTIFICATION_TYPES, TEXTS
from notifier.sms.texts import LANGUAGES

_CHOICE = """\
        <div class="check" data-type="{t}">
          <input type="checkbox" id="type-{t}" value="{t}"
                 aria-describedby="cost-{t}">
          <label for="type-{t}" data-i18n="type_{t}"></label>
          <span class="hint" id="cost-{t}"></span>
        </div>"""


def choices_html() -> str:
    """A checkbox per type, in the registry's order; labels come from the dictionaries."""
    return "\n".join(_CHOICE.format(t=escape(name)) for name in NOTIFICATION_TYPES)


def types_json() -> str:
    """`{"types": [...], "digest": type, "texts": {lang: {"type_<t>": label, "freq_<t>":
    frequency}}}`, safe inside a <script type="application/json"> element."""
    texts = {
        lang: {
            key: text
            for name in NOTIFICATION_TYPES
            for key, text in (
                (f"type_{name}", TEXTS[name].label[lang]),
                (f"freq_{name}", TEXTS[name].frequency[lang]),
            )
        }
        for lang in LANGUAGES
    }
    served = json.dumps(
        {"types": NOTIFICATION_TYPES, "digest": DIGEST, "texts": texts}, ensure_ascii=False
    )
    return served.replace("<", "\\u003c")  # no "</script>" can end the element early
