"""SMS texts parents receive, in Russian, Kazakh and Kyrgyz.

Every character can cost the parent a paid SMS part, so the fixed wording is kept short and
only the teacher's homework text (then the subject, then the name) is ever shortened.
"""

from datetime import date
from typing import Final, Literal

from gateways.sms.segments import fits, truncate_to_parts

Language = Literal["ru", "kk", "ky"]
MessageKind = Literal[
    "homework",
    "homework_updated",
    "verification_code",
    "low_balance",
    "cap_reached",
    "grade_final",
    "grade_changed",
    "grade_deleted",
]
LANGUAGES: Final[tuple[Language, ...]] = ("ru", "kk", "ky")

ELLIPSIS: Final = "…"
# What may separate the fixed head from the homework text; stripped when no text fits.
_SEPARATOR: Final = " :,"

# One row per message, the three languages side by side. Homework templates end in {text}.
TEXTS: Final[dict[MessageKind, dict[Language, str]]] = {
    "homework": {
        "ru": "{name}: ДЗ «{subject}» до {due}: {text}",
        "kk": "{name}: {subject} бойынша үй тапсырмасы {due} дейін: {text}",
        "ky": "{name}: {subject} боюнча үй тапшырмасы {due} чейин: {text}",
    },
    "homework_updated": {
        "ru": "{name}: изменено ДЗ «{subject}» до {due}: {text}",
        "kk": "{name}: {subject} бойынша үй тапсырмасы өзгерді, {due} дейін: {text}",
        "ky": "{name}: {subject} боюнча үй тапшырмасы өзгөрдү, {due} чейин: {text}",
    },
    "verification_code": {
        "ru": "Код подтверждения: {code}. Никому не сообщайте.",
        "kk": "Растау коды: {code}. Ешкімге айтпаңыз.",
        "ky": "Ырастоо коду: {code}. Эч кимге айтпаңыз.",
    },
    "low_balance": {
        "ru": "Баланс SMS заканчивается: {available}. Пополните баланс.",
        "kk": "SMS балансы аз қалды: {available}. Балансты толықтырыңыз.",
        "ky": "SMS балансы аз калды: {available}. Балансты толуктаңыз.",
    },
    "cap_reached": {
        "ru": "Лимит SMS на месяц {cap} исчерпан, SMS не отправляются.",
        "kk": "Айлық SMS лимиті {cap} таусылды, SMS жіберілмейді.",
        "ky": "Айлык SMS лимити {cap} бүттү, SMS жөнөтүлбөйт.",
    },
    # Instant grade alerts (notifier/sms/grade_texts.py): {grade} is "5" or "18/20"; a lesson's
    # grade is "{subject} {grade} ({date})" in every language, so only these need words.
    "grade_final": {
        "ru": "{subject}, итоговая за {period}: {grade} ({date})",
        "kk": "{subject}, {period} қорытынды бағасы: {grade} ({date})",
        "ky": "{subject}, {period} үчүн жыйынтык баа: {grade} ({date})",
    },
    "grade_changed": {
        "ru": "{name}: исправлено — {what}",
        "kk": "{name}: түзетілді — {what}",
        "ky": "{name}: оңдолду — {what}",
    },
    "grade_deleted": {
        "ru": "{name}: отменена оценка {what}",
        "kk": "{name}: баға жойылды — {what}",
        "ky": "{name}: баа өчүрүлдү — {what}",
    },
}


def homework_alert(
    lang: Language, *, child_name: str, subject: str, text: str, due: date, max_parts: int
) -> str:
    """New homework for a child, shortened to at most ``max_parts`` SMS parts."""
    return _homework("homework", lang, child_name, subject, text, due, max_parts)


def homework_updated_alert(
    lang: Language, *, child_name: str, subject: str, text: str, due: date, max_parts: int
) -> str:
    """Changed homework for a child, shortened to at most ``max_parts`` SMS parts."""
    return _homework("homework_updated", lang, child_name, subject, text, due, max_parts)


def verification_code(lang: Language, code: str) -> str:
    """One-part text carrying a phone verification code; never shortened (it would break)."""
    return _one_part(TEXTS["verification_code"][lang].format(code=code))


def low_balance(lang: Language, available: str) -> str:
    """One-part warning that the prepaid balance is low.

    ``available`` is the preformatted amount (e.g. "1 234,50 ₸"); up to 20 characters fit.
    """
    return _one_part(TEXTS["low_balance"][lang].format(available=available))


def cap_reached(lang: Language, cap: str) -> str:
    """One-part notice that the monthly cap the parent chose stopped an SMS.

    ``cap`` is the preformatted amount (e.g. "500.00 KZT"); up to 20 characters fit.
    """
    return _one_part(TEXTS["cap_reached"][lang].format(cap=cap))


def announcement(title: str, text: str) -> str:
    """An announcement as the school wrote it (or its translation): the title, then the text.
    Never shortened: one longer than the budget is refused before any SMS is made."""
    head, body = _clean(title), _clean(text)
    return f"{head} {body}" if head.endswith((".", "!", "?", ":")) else f"{head}. {body}"


def _one_part(message: str) -> str:
    if not fits(message, 1):
        raise ValueError(f"text does not fit in one SMS part: {message!r}")
    return message


def clean(value: str) -> str:
    """Runs of spaces and line breaks collapsed: they are paid for but carry nothing."""
    return " ".join(value.split())


_clean = clean


def _homework(
    kind: MessageKind,
    lang: Language,
    name: str,
    subject: str,
    text: str,
    due: date,
    max_parts: int,
) -> str:
    template = TEXTS[kind][lang]
    fields = {"name": _clean(name), "subject": _clean(subject), "due": due.strftime("%d.%m")}
    head = template.format(**fields, text="")
    body = _clean(text)
    message = head + body if body else head.rstrip(_SEPARATOR)
    if fits(message, max_parts):
        return message
    shortened = truncate_to_parts(message, max_parts, ellipsis=ELLIPSIS)
    if shortened.startswith(head.rstrip(_SEPARATOR)):
        return shortened
    return _shrink_head(template, fields, max_parts)


def _head_only(template: str, fields: dict[str, str]) -> str:
    # No room for any homework text: the ellipsis says there was some.
    return template.format(**fields, text="").rstrip(_SEPARATOR) + ELLIPSIS


def _shrink_head(template: str, fields: dict[str, str], max_parts: int) -> str:
    """Shorten the subject, then the child's name, until the head alone fits."""
    for key in ("subject", "name"):
        if fits(_head_only(template, fields), max_parts):
            break
        fields[key] = _longest_fitting(template, fields, key, max_parts)
    message = _head_only(template, fields)
    if not fits(message, max_parts):
        raise ValueError(f"max_parts={max_parts} is too small for this alert")
    return message


def _longest_fitting(template: str, fields: dict[str, str], key: str, max_parts: int) -> str:
    # Longer values never take fewer parts, so binary search the longest prefix that fits.
    value = fields[key]
    lo, hi = 0, len(value)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        candidate = value[:mid].rstrip() + ELLIPSIS
        if fits(_head_only(template, {**fields, key: candidate}), max_parts):
            lo = mid
        else:
            hi = mid - 1
    return value[:lo].rstrip() + ELLIPSIS
