"""Reading one cell of an import row: text, ids, flags, times, money. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from notifier.notification_types import NOTIFICATION_TYPES

TYPES: Final = frozenset(NOTIFICATION_TYPES)
LANGUAGES: Final = frozenset({"ru", "kk", "ky"})
CURRENCIES: Final = frozenset({"KZT", "KGS"})
MAX_ID: Final = 64
MAX_REFERENCE: Final = 100
MAX_AMOUNT: Final = 10_000_000_00  # minor units; as the internal API's credits
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})


class BadRow(ValueError):
    """Why one row cannot be imported; becomes a Reject."""


def text(record: Mapping[str, object], column: str, default: str | None) -> str:
    value = record.get(column)
    if value is None or value == "":
        if default is None:
            raise BadRow(f"{column}: missing")
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, dict | float):
        raise BadRow(f"{column}: not a text, number or list")
    text = str(value).strip()
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise BadRow(f"{column}: contains a NUL character")
    return text


def short_id(v: Mapping[str, str], column: str) -> str:
    if len(v[column]) > MAX_ID:
        raise BadRow(f"{column}: longer than {MAX_ID} characters")
    return v[column]


def one_of(v: Mapping[str, str], column: str, allowed: frozenset[str]) -> str:
    if v[column] not in allowed:
        raise BadRow(f"{column}: {v[column]!r} is not one of {', '.join(sorted(allowed))}")
    return v[column]


def types(raw: str) -> list[str]:
    types = {t for t in raw.replace(",", " ").split() if t}
    unknown = types - TYPES
    if unknown or not types:
        raise BadRow(
            f"types: {' '.join(sorted(unknown)) or 'none'} (known: {' '.join(sorted(TYPES))})"
        )
    return sorted(types)


def flag(v: Mapping[str, str], column: str) -> bool:
    value = v[column].lower()
    if value not in _TRUE | _FALSE:
        raise BadRow(f"{column}: {v[column]!r} is not true or false")
    return value in _TRUE


def timestamp(v: Mapping[str, str], column: str) -> datetime:
    try:
        at = datetime.fromisoformat(v[column])
    except ValueError as exc:
        raise BadRow(f"{column}: not an ISO 8601 time") from exc
    if at.tzinfo is None:
        raise BadRow(f"{column}: needs its UTC offset (e.g. 2024-09-01T10:00:00+05:00)")
    return at


def amount(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()):  # minor units: no sign, no decimal point, no spaces
        raise BadRow(f"amount: {raw!r} is not a whole number of minor units >= 0")
    amount = int(raw)
    if amount > MAX_AMOUNT:
        raise BadRow(f"amount: above {MAX_AMOUNT} minor units")
    return amount
