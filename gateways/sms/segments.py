"""How many billable SMS parts a text costs, and how to cut it down to a budget.

Parents pay per part, so these rules must match what the gateways bill: GSM 03.38 default
alphabet (7-bit) when every character is in it, otherwise UCS-2 for the whole message. They
live with the gateways because SMPP sends exactly these parts (smpp_encoding.py); the service
prices, trims and counts with them too.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic table (1 septet each) and its extension table (ESC + char = 2 septets).
# ESC itself (0x1B) is deliberately absent: it is not a character a message may contain.
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")

# Single-part limits, and per-part limits once a concatenation header (UDH) takes its room.
SINGLE_LIMIT: Final[dict[Encoding, int]] = {"GSM-7": 160, "UCS-2": 70}
MULTI_LIMIT: Final[dict[Encoding, int]] = {"GSM-7": 153, "UCS-2": 67}

# When a cut lands this close to a word boundary, the boundary wins (reads better).
_WORD_SLACK: Final = 10
# Left dangling before an ellipsis these only waste a billable character (and read badly).
_TRAILING_JUNK: Final = " \t\r\n\f.,;:(-–—«"
_ZWJ: Final = "\u200d"

# C-speed scans for the common case, so pricing a recipient costs microseconds.
_NOT_GSM7: Final = re.compile("[^" + re.escape("".join(sorted(GSM7_BASIC | GSM7_EXTENSION))) + "]")
_GSM7_EXTENDED: Final = re.compile("[" + re.escape("".join(sorted(GSM7_EXTENSION))) + "]")
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class SmsParts:
    """Billing view of a text: encoding, number of parts, and size in encoding units.

    ``units`` is septets for GSM-7 (extension characters count 2) and UTF-16 code units for
    UCS-2 (characters outside the BMP, e.g. emoji, count 2). An empty text is 1 part,
    because a gateway still sends (and bills) one empty message.
    """

    encoding: Encoding
    parts: int
    units: int


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 03.38 basic or extension table."""
    return _NOT_GSM7.search(text) is None


def encoding_of(text: str) -> Encoding:
    """The encoding a gateway would use for the whole text."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def _cost(ch: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1  # a surrogate pair in UTF-16


def units_of(text: str, encoding: Encoding) -> int:
    """Size of the text in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    double = _GSM7_EXTENDED if encoding == "GSM-7" else _ASTRAL
    return len(text) + len(double.findall(text))


def _split(text: str, encoding: Encoding) -> list[str]:
    # Characters are packed whole, which is what keeps an ESC pair or a surrogate pair from
    # straddling two parts: a part that would end mid-pair ends one unit earlier instead.
    limit = SINGLE_LIMIT[encoding]
    if units_of(text, encoding) > limit:
        limit = MULTI_LIMIT[encoding]
    parts: list[str] = []
    start, used = 0, 0
    for i, ch in enumerate(text):
        cost = _cost(ch, encoding)
        if used + cost > limit:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return parts


def split_parts(text: str) -> list[str]:
    """Cut the text into the parts a gateway sends; ``"".join`` gives the text back.

    An empty text gives ``[""]`` (one empty part), consistent with ``count_parts``.
    """
    return _split(text, encoding_of(text))


def count_parts(text: str) -> SmsParts:
    """Encoding, billable parts and units of the text, as the gateway will bill it."""
    encoding = encoding_of(text)
    units = units_of(text, encoding)
    if units <= SINGLE_LIMIT[encoding]:
        return SmsParts(encoding=encoding, parts=1, units=units)
    if units == len(text):  # no two-unit characters, so no pair can straddle a part boundary
        parts = -(-units // MULTI_LIMIT[encoding])
    else:
        parts = len(_split(text, encoding))
    return SmsParts(encoding=encoding, parts=parts, units=units)


def fits(text: str, max_parts: int) -> bool:
    """True when the text is sent in at most ``max_parts`` parts."""
    return count_parts(text).parts <= max_parts


def first_that_fits(texts: Iterable[str], max_parts: int, *, ellipsis: str = "…") -> str:
    """The first of ``texts`` (most detailed first) that fits in ``max_parts`` parts; when
    none does, the last one cut to fit. Composers of budgeted texts (the weekly digest, a
    bundle of grades) yield ever shorter versions and let this choose."""
    text = ""
    for text in texts:
        if fits(text, max_parts):
            return text
    return truncate_to_parts(text, max_parts, ellipsis=ellipsis)


def truncate_to_parts(text: str, max_parts: int, *, ellipsis: str = "…") -> str:
    """Longest prefix of the text, plus ``ellipsis`` when cut, that fits in ``max_parts``.

    Prefers ending at a word boundary when that loses at most 10 characters, never splits a
    character (so never a surrogate pair) nor leaves a combining mark without its letter, and
    drops dangling spaces/punctuation before the ellipsis. For a GSM-7 text a non-GSM
    ellipsis is replaced by "..." so the whole message does not flip to pricier UCS-2.
    """
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    if fits(text, max_parts):
        return text
    if is_gsm7(text) and not is_gsm7(ellipsis):
        ellipsis = "..."
    if not fits(ellipsis, max_parts):
        raise ValueError("the ellipsis alone does not fit in max_parts")
    cut = _prefer_word_boundary(text, _longest_fitting_prefix(text, ellipsis, max_parts))
    return text[:cut].rstrip(_TRAILING_JUNK) + ellipsis


def _longest_fitting_prefix(text: str, ellipsis: str, max_parts: int) -> int:
    # Dropping characters never adds a part (and GSM-7 packs tighter than UCS-2), so fitting
    # is monotone in the prefix length and a binary search finds the longest prefix.
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(text[:mid] + ellipsis, max_parts):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _prefer_word_boundary(text: str, cut: int) -> int:
    for boundary in range(cut, max(cut - _WORD_SLACK, 1) - 1, -1):
        if text[boundary].isspace():
            return boundary
    while cut > 0 and (_attaches(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1  # keep a letter with its accents, and emoji joined by ZWJ, together
    return cut


def _attaches(ch: str) -> bool:
    # Combining marks (incl. variation selectors) and ZWJ belong to the character before them.
    return ch == _ZWJ or unicodedata.category(ch).startswith("M")
