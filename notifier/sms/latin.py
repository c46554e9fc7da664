"""Russian, Kazakh and Kyrgyz in plain GSM-7 Latin: the parent's cheaper SMS option.

A Cyrillic SMS is UCS-2 (67 characters a part); the same text in GSM-7 Latin packs 153 a
part, so a weekly digest of three UCS-2 parts usually fits in one or two. The table follows
common Russian passport-style romanisation; the letters of Kazakh and Kyrgyz that have one
map to the GSM-7 letters ä, ö, ü, ñ, as in the Kazakh Latin alphabet of 2021 (ә ä, ө ö, ү ü,
ң ñ); the rest to plain letters (қ q, ғ gh, ұ u, һ h, і i). Capitals capitalise the first
letter (Ж Zh). Punctuation outside GSM-7 becomes its plain look-alike; anything else left
becomes "?" — the result is always pure GSM-7, with no extension characters.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from gateways.sms.segments import GSM7_BASIC

# Lower-case letters; capitals are derived.
LETTERS: Final[dict[str, str]] = {
    # Russian (shared by all three)
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Kazakh
    "ә": "ä", "ғ": "gh", "қ": "q", "ң": "ñ", "ө": "ö", "ұ": "u", "ү": "ü", "һ": "h", "і": "i",
    # Kyrgyz uses ң, ө, ү (above) besides the Russian letters.
}  # fmt: skip
PUNCTUATION: Final[dict[str, str]] = {
    "«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
    "−": "-", "…": "...", "№": "No", "\u00a0": " ", "₸": "tg", "\t": " ",
}  # fmt: skip


def _table() -> dict[str, str]:
    table = dict(PUNCTUATION)
    for lower, latin in LETTERS.items():
        table[lower] = latin
        table[lower.upper()] = latin[:1].upper() + latin[1:]
    return table


TABLE: Final = _table()


def to_latin(text: str) -> str:
    """The text in GSM-7 Latin (basic table only), by the documented table above."""
    return "".join(_one(ch) for ch in text)


def _one(ch: str) -> str:
    if ch in TABLE:
        return TABLE[ch]
    if ch in GSM7_BASIC:
        return ch
    # Accented Latin letters lose their accents; anything else has no GSM-7 look-alike.
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in GSM7_BASIC)
    return plain or "?"
