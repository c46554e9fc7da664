"""The notification types a parent can subscribe to: the one list, and how each is named.

Everything else that names a type comes from here or is checked against it by a test: the
parents' and the internal API models, the Manager page (the server renders its checkboxes and
hands it these texts: notifier/web), the unsubscribe page, the Manager's price hints, the
database CHECK on `subscriptions.types` and every SQL filter on it
(tests/unit/test_notification_types.py, tests/integration/test_notification_types_check.py).
Adding a type: README, "Adding a notification type".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from notifier.sms.texts import Language

NotificationType = Literal["weekly_grades", "homework", "announcements", "grade_instant"]
NOTIFICATION_TYPES: Final[tuple[NotificationType, ...]] = get_args(NotificationType)
# The weekly digest's type (notifier/digest/): the Manager prices it with the digest's builder.
DIGEST: Final[NotificationType] = "weekly_grades"
# The outbox kinds (`notifications.kind`) each type's SMS are queued as: dropping a type cancels
# its SMS still waiting (notifier/manager/waiting.py).
KINDS: Final[dict[NotificationType, tuple[str, ...]]] = {
    "weekly_grades": ("weekly_digest",),
    "homework": ("homework", "homework_updated"),
    "announcements": ("announcement",),
    "grade_instant": ("grade_instant", "grade_correction"),
}


@dataclass(frozen=True)
class TypeTexts:
    """How the pages name a type, the three languages side by side."""

    label: dict[Language, str]  # the Manager's checkbox
    frequency: dict[Language, str]  # beside its price on the Manager: how often it comes
    what: dict[Language, str]  # the unsubscribe page: "no more SMS: {what}?"


# In the order the Manager lists them (the order of NotificationType).
TEXTS: Final[dict[NotificationType, TypeTexts]] = {
    "weekly_grades": TypeTexts(
        label={"ru": "Оценки за неделю", "kk": "Апталық бағалар", "ky": "Жумалык баалар"},
        frequency={"ru": "раз в неделю", "kk": "аптасына бір рет", "ky": "жумасына бир жолу"},
        what={"ru": "оценки за неделю", "kk": "апталық бағалар", "ky": "жумалык баалар"},
    ),
    "homework": TypeTexts(
        label={"ru": "Домашние задания", "kk": "Үй тапсырмалары", "ky": "Үй тапшырмалары"},
        frequency={
            "ru": "на каждое задание",
            "kk": "әр тапсырма сайын",
            "ky": "ар бир тапшырмага",
        },
        what={"ru": "домашние задания", "kk": "үй тапсырмалары", "ky": "үй тапшырмалары"},
    ),
    "announcements": TypeTexts(
        label={
            "ru": "Объявления школы",
            "kk": "Мектеп хабарландырулары",
            "ky": "Мектептин кулактандыруулары",
        },
        frequency={"ru": "когда пишет школа", "kk": "мектеп жазғанда", "ky": "мектеп жазганда"},
        what={
            "ru": "объявления школы",
            "kk": "мектеп хабарландырулары",
            "ky": "мектептин кулактандыруулары",
        },
    ),
    "grade_instant": TypeTexts(
        label={
            "ru": "Каждая новая оценка сразу",
            "kk": "Әр жаңа баға бірден",
            "ky": "Ар бир жаңы баа дароо",
        },
        frequency={  # bundled: notifier/grade_bundles.py
            "ru": "одно SMS на оценки, выставленные вместе",
            "kk": "бірге қойылған бағаларға бір SMS",
            "ky": "чогуу коюлган бааларга бир SMS",
        },
        what={"ru": "новые оценки", "kk": "жаңа бағалар", "ky": "жаңы баалар"},
    ),
}
