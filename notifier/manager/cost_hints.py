"""What one SMS of each type costs this parent, shown next to each type on the Notification
Manager: a typical message of that type for this child, rendered by the very functions that
render the real SMS, then priced like one. The page never guesses a part count.

Every type has a sample except the weekly digest, which the page prices with the digest's
own builder (POST /digest-preview); tests/unit/test_notification_types.py holds them to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from billing.types import Conn
from notifier.manager.wallet import CostPreview, cost_preview
from notifier.notification_types import NotificationType
from notifier.sms.grade_bundle import grade_bundle
from notifier.sms.grade_texts import GradeFacts
from notifier.sms.texts import Language, announcement, homework_alert

# Typical content, the three languages side by side: a short homework, an everyday
# announcement, a lesson's marks posted together (one bundled SMS).
HOMEWORK: Final[dict[Language, tuple[str, str]]] = {
    "ru": ("Математика", "Стр. 45, № 3–7; выучить правило на стр. 44"),
    "kk": ("Математика", "45-бет, № 3–7; 44-беттегі ережені жаттау"),
    "ky": ("Математика", "45-бет, № 3–7; 44-беттеги эрежени жаттоо"),
}
ANNOUNCEMENT: Final[dict[Language, tuple[str, str]]] = {
    "ru": ("Родительское собрание", "В пятницу в 18:30 в актовом зале."),
    "kk": ("Ата-аналар жиналысы", "Жұмада 18:30-да мәжіліс залында."),
    "ky": ("Ата-энелер чогулушу", "Жума күнү саат 18:30да жыйындар залында."),
}


@dataclass(frozen=True)
class CostHint:
    type: NotificationType
    sample: str
    preview: CostPreview


def samples(
    lang: Language, child_name: str, today: date, max_parts: int
) -> dict[NotificationType, str]:
    """A typical SMS of each type for this child, as the parent would receive it."""
    subject, text = HOMEWORK[lang]
    due = today + timedelta(days=2)
    return {
        "homework": homework_alert(
            lang, child_name=child_name, subject=subject, text=text, due=due, max_parts=max_parts
        ),
        "announcements": announcement(*ANNOUNCEMENT[lang]),
        "grade_instant": grade_sample(lang, child_name, today, max_parts, latin=False),
    }


def grade_sample(
    lang: Language, child_name: str, today: date, max_parts: int, *, latin: bool
) -> str:
    """A lesson's two marks in one bundled SMS, in Latin letters if the parent chose them."""
    subject = HOMEWORK[lang][0]
    marks = [GradeFacts(subject, "lesson", None, m, None, None, today) for m in (5, 4)]
    return grade_bundle(lang, child_name, marks, latin=latin, max_parts=max_parts)


async def cost_hints(
    conn: Conn, parent_id: str, child_name: str, lang: Language, now: datetime, max_parts: int
) -> list[CostHint]:
    texts = samples(lang, child_name, now.date(), max_parts)
    return [
        CostHint(kind, text, await cost_preview(conn, parent_id, text, now))
        for kind, text in texts.items()
    ]
