"""How a statement line reads to a parent, the three languages side by side (pure).

A charge names the kind of SMS, the child and the message's first words; a refund says it is
one, why, and (through `refund_of`, in the API) which charge it returns; a top-up names the
way the parent paid. Russian pages say "SMS", never "СМС".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from notifier.notification_types import KINDS, NotificationType
from notifier.sms.texts import Language

SNIPPET_CHARS: Final = 32
ELLIPSIS: Final = "…"

# A notification kind's family, as a parent names it (bundled or corrected alerts included).
SMS_KINDS: Final[dict[str, dict[Language, str]]] = {
    "homework": {"ru": "домашнее задание", "kk": "үй тапсырмасы", "ky": "үй тапшырмасы"},
    "digest": {"ru": "оценки за неделю", "kk": "апталық бағалар", "ky": "жумалык баалар"},
    "announcement": {"ru": "объявление", "kk": "хабарландыру", "ky": "кулактандыруу"},
    "grade": {"ru": "оценка", "kk": "баға", "ky": "баа"},
    "other": {"ru": "SMS", "kk": "SMS", "ky": "SMS"},
}
REFUND_REASONS: Final[dict[str, dict[Language, str]]] = {
    "undeliverable": {"ru": "не доставлено", "kk": "жеткізілмеді", "ky": "жеткирилген жок"},
    "expired": {
        "ru": "истёк срок доставки",
        "kk": "жеткізу мерзімі өтті",
        "ky": "жеткирүү мөөнөтү өттү",
    },
    "failed": {
        "ru": "оператор отклонил",
        "kk": "оператор қабылдамады",
        "ky": "оператор четке какты",
    },
}
LINES: Final[dict[str, dict[Language, str]]] = {
    "charge": {"ru": "Оплата SMS", "kk": "SMS төлемі", "ky": "SMS төлөмү"},
    "refund": {"ru": "Возврат за SMS", "kk": "SMS үшін қайтару", "ky": "SMS үчүн кайтаруу"},
    "top_up": {
        "ru": "Пополнение через {gateway}",
        "kk": "{gateway} арқылы толықтыру",
        "ky": "{gateway} аркылуу толуктоо",
    },
}
GATEWAYS: Final[dict[str, dict[Language, str]]] = {
    "stripe": {"ru": "банковскую карту (Stripe)", "kk": "банк картасы (Stripe)",
               "ky": "банк картасы (Stripe)"},
    "freedompay": {"ru": "Freedom Pay", "kk": "Freedom Pay", "ky": "Freedom Pay"},
    "dev": {"ru": "тестовую оплату", "kk": "тестілік төлем", "ky": "тесттик төлөм"},
}  # fmt: skip


@dataclass(frozen=True)
class SmsFacts:
    """What the statement knows about the SMS behind a charge or a refund."""

    kind: str  # the notification's kind: homework, weekly_digest, announcement, grade_instant…
    child: str | None
    text: str
    delivery_status: str | None = None


def sms_family(kind: str) -> str:
    """The family of an outbox kind, through the type that queues it (KINDS);
    house SMS (codes, notices) are "other"."""
    for type_, kinds in KINDS.items():
        if kind in kinds:
            return _FAMILY[type_]
    return "other"


_FAMILY: Final[dict[NotificationType, str]] = {
    "weekly_grades": "digest", "homework": "homework", "announcements": "announcement",
    "grade_instant": "grade",
}  # fmt: skip


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The message's first words, cut at a word and marked when cut."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0] if " " in words[:limit] else words[:limit]
    return cut.rstrip(" ,.:;—-") + ELLIPSIS


def charge_line(sms: SmsFacts, language: Language) -> str:
    """`Оплата SMS: домашнее задание, Аида — «Аида: ДЗ «Математика» до…»`"""
    return f"{LINES['charge'][language]}: {_what(sms, language)}"


def refund_line(sms: SmsFacts | None, language: Language) -> str:
    """`Возврат за SMS (не доставлено): оценка, Аида — «…»`"""
    head = LINES["refund"][language]
    reason = REFUND_REASONS.get(sms.delivery_status or "") if sms else None
    if reason is not None:
        head += f" ({reason[language]})"
    return f"{head}: {_what(sms, language)}" if sms else head


def top_up_line(gateway: str, language: Language) -> str:
    name = GATEWAYS.get(gateway, {}).get(language, gateway)
    return LINES["top_up"][language].format(gateway=name)


def _what(sms: SmsFacts, language: Language) -> str:
    kind = SMS_KINDS[sms_family(sms.kind)][language]
    who = f"{kind}, {sms.child}" if sms.child else kind
    return f"{who} — «{snippet(sms.text)}»"
