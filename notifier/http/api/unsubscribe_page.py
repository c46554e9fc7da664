"""The tiny HTML pages of one-click unsubscribe, in Russian, Kazakh and Kyrgyz."""

from __future__ import annotations

from html import escape
from typing import Final, Literal, cast

from notifier.notification_types import TEXTS as TYPE_TEXTS
from notifier.notification_types import NotificationType
from notifier.sms.texts import LANGUAGES, Language

PageKind = Literal["confirm", "done", "invalid", "expired"]

# What "all" unsubscribes from; each type's own name is in notifier/notification_types.py.
ALL: Final[dict[Language, str]] = {
    "ru": "все SMS-уведомления",
    "kk": "барлық SMS-хабарламалар",
    "ky": "бардык SMS-билдирүүлөр",
}
TEXTS: Final[dict[str, dict[Language, str]]] = {
    "title": {"ru": "Отписка от SMS", "kk": "SMS-тен бас тарту", "ky": "SMSтен баш тартуу"},
    "confirm": {
        "ru": "Больше не присылать SMS: {what}?",
        "kk": "Енді SMS жібермеу керек пе: {what}?",
        "ky": "Мындан ары SMS жөнөтпөйлүбү: {what}?",
    },
    "button": {"ru": "Отписаться", "kk": "Бас тарту", "ky": "Баш тартуу"},
    "done": {
        "ru": "Готово: SMS ({what}) больше не придут. Включить их снова можно в «Менеджере"
        " уведомлений» дневника.",
        "kk": "Дайын: SMS ({what}) енді келмейді. Қайта қосу үшін күнделіктегі «Хабарламалар"
        " менеджерін» ашыңыз.",
        "ky": "Даяр: SMS ({what}) мындан ары келбейт. Кайра күйгүзүү үчүн күндөлүктөгү"
        " «Билдирүүлөр менеджерин» ачыңыз.",
    },
    "invalid": {
        "ru": "Эта ссылка повреждена. Отписаться можно в «Менеджере уведомлений» дневника.",
        "kk": "Бұл сілтеме бүлінген. Бас тарту үшін күнделіктегі «Хабарламалар менеджерін» ашыңыз.",
        "ky": "Бул шилтеме бузулган. Баш тартуу үчүн күндөлүктөгү «Билдирүүлөр менеджерин» ачыңыз.",
    },
    "expired": {
        "ru": "Срок действия этой ссылки истёк. Отписаться можно в «Менеджере уведомлений»"
        " дневника.",
        "kk": "Бұл сілтеменің мерзімі өтіп кетті. Бас тарту үшін күнделіктегі «Хабарламалар"
        " менеджерін» ашыңыз.",
        "ky": "Бул шилтеменин мөөнөтү бүттү. Баш тартуу үчүн күндөлүктөгү «Билдирүүлөр"
        " менеджерин» ачыңыз.",
    },
}
_PAGE: Final = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font:18px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
button{{font:inherit;padding:.75rem 1.5rem;border-radius:.5rem;border:0;background:#b3261e;
color:#fff;width:100%}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def page(kind: PageKind, language: Language, what: str = "all") -> str:
    """A page; error pages speak all three languages (the link's language may be unknown)."""
    languages: tuple[Language, ...] = (language,) if kind in ("confirm", "done") else LANGUAGES
    body = "".join(_paragraph(kind, lang, what) for lang in languages)
    if kind == "confirm":
        button = escape(TEXTS["button"][language])
        body += (
            '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{button}</button></form>'
        )
    return _PAGE.format(lang=language, title=escape(TEXTS["title"][language]), body=body)


def _paragraph(kind: PageKind, language: Language, what: str) -> str:
    known = TYPE_TEXTS.get(cast(NotificationType, what))
    label = (known.what if known else ALL)[language]
    return f'<p lang="{language}">{escape(TEXTS[kind][language].format(what=label))}</p>'
