"""The free SMS about stopping, in Russian, Kazakh and Kyrgyz side by side, and the words a
parent may reply to stop every paid SMS (README, "Stopping SMS")."""

from __future__ import annotations

from typing import Final

from gateways.sms.segments import fits
from notifier.sms.texts import Language

# Any case; surrounding spaces and a final "." or "!" are ignored. Kazakh's ТОҚТАТ is there
# for parents who write Kazakh; ТОКТОТ is Kyrgyz.
STOP_WORDS: Final = frozenset({"STOP", "СТОП", "ТОКТОТ", "ТОҚТАТ"})

STOPPED: Final[dict[Language, str]] = {
    "ru": "Все платные SMS отключены. Включить снова можно в дневнике.",
    "kk": "Барлық ақылы SMS өшірілді. Қайта қосу — күнделікте.",
    "ky": "Бардык акы төлөнүүчү SMS өчүрүлдү. Кайра күйгүзүү — күндөлүктө.",
}

# After the phone is confirmed, free: the one-click link, and the reply that does the same.
# In Latin letters (GSM-7, 160 characters a part), so that the ~100-character link and the
# words fit one part; in Cyrillic (70 a part) they would take three.
VERIFIED: Final[dict[Language, str]] = {
    "ru": "Nomer podtverzhden. Otpiska: {link} ili otvet'te STOP",
    "kk": "Nomer rastaldy. Bas tartu: {link} ne STOP dep zhazynyz",
    "ky": "Nomer yrastaldy. Bash tartuu: {link} je STOP dep jazynyz",
}


def is_stop(text: str) -> bool:
    """Whether a parent's message asks to stop every paid SMS."""
    return text.strip().rstrip(".!").strip().upper() in STOP_WORDS


def stopped(lang: Language) -> str:
    """One part: every paid SMS to this phone is off."""
    message = STOPPED[lang]
    if not fits(message, 1):
        raise ValueError(f"text does not fit in one SMS part: {message!r}")
    return message


def verified(lang: Language, link: str) -> str:
    """The phone is confirmed; how to stop. One GSM-7 part while the link is short enough
    (ids of up to ~12 characters); the house pays it, never the parent."""
    return VERIFIED[lang].format(link=link)
