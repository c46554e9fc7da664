"""The documented columns of an import and the check of each row: pure, no database.

A bad row becomes a Reject carrying its row number and why; it never stops the good rows.
Checks that need the database (is the pupil linked, is the wallet in another currency) are
made set-based by the loaders and reported the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, NamedTuple

from notifier.sms.phones import InvalidPhoneNumber, normalize_mobile

Kind = Literal["subscriptions", "balances"]
KINDS: Final[tuple[Kind, ...]] = ("subscriptions", "balances")
# Missing optional columns take these values; the others are required in every row.
COLUMNS: Final[dict[Kind, dict[str, str | None]]] = {
    "subscriptions": {
        "parent_id": None, "pupil_id": None, "phone": None, "types": None,
        "language": None, "latin": "false", "consent_source": None, "consent_at": None,
        "phone_verified_by_core": "false",
    },
    "balances": {"parent_id": None, "currency": None, "amount": None, "reference": None},
}  # fmt: skip
TYPES: Final = frozenset({"weekly_grades", "homework", "announcements", "grade_instant"})
LANGUAGES: Final = frozenset({"ru", "kk", "ky"})
CURRENCIES: Final = frozenset({"KZT", "KGS"})
MAX_ID: Final = 64
MAX_REFERENCE: Final = 100
MAX_AMOUNT: Final = 10_000_000_00  # minor units; as the internal API's credits
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})

Record = Mapping[str, object]  # one row as read: column -> value (str from CSV, JSON values)
BROKEN: Final = "__broken__"  # key of a record the reader could not make sense of


@dataclass(frozen=True)
class Reject:
    row: int  # line number in the file (a CSV header is line 1)
    reason: str
    record: Record


class SubscriptionRow(NamedTuple):  # a tuple: COPYed as it is, no conversion per row
    row: int
    parent_id: str
    pupil_id: str
    phone: str  # E.164, normalised as the API does
    types: list[str]
    language: str
    latin: bool
    consent_source: str
    consent_at: datetime
    verified: bool


class BalanceRow(NamedTuple):
    row: int
    parent_id: str
    currency: str
    amount: int  # minor units, >= 0
    reference: str


class BadRow(ValueError):
    """Why one row cannot be imported; becomes a Reject."""


Good = SubscriptionRow | BalanceRow
Checked = tuple[list[SubscriptionRow] | list[BalanceRow], list[Reject]]


def check_rows(kind: Kind, records: Sequence[tuple[int, Record]]) -> list[Good | Reject]:
    """Each record checked on its own (safe to split across worker processes)."""
    out: list[Good | Reject] = []
    for row, record in records:
        try:
            out.append(_check(kind, row, record))
        except BadRow as exc:
            out.append(Reject(row, str(exc), record))
    return out


def check_batch(
    kind: Kind, records: Sequence[tuple[int, Record]], checked: Sequence[Good | Reject]
) -> Checked:
    """Good rows and rejects of one batch. A key repeated within the batch (parent and pupil,
    or reference) is refused after its first row: which one should win cannot be guessed."""
    good: list[Good] = []
    rejects: list[Reject] = []
    first: dict[tuple[str, ...], int] = {}
    for (row, record), result in zip(records, checked, strict=True):
        if isinstance(result, Reject):
            rejects.append(result)
            continue
        key = _key(result)
        if key in first:
            why = f"repeats the {_key_name(kind)} of line {first[key]}"
            rejects.append(Reject(row, why, record))
            continue
        first[key] = row
        good.append(result)
    return good, rejects  # type: ignore[return-value]


def _check(kind: Kind, row: int, record: Record) -> SubscriptionRow | BalanceRow:
    if BROKEN in record:
        raise BadRow("unreadable: not one JSON object, or more cells than the header")
    values = {c: _text(record, c, default) for c, default in COLUMNS[kind].items()}
    return subscription(row, values) if kind == "subscriptions" else balance(row, values)


def _key(row: SubscriptionRow | BalanceRow) -> tuple[str, ...]:
    if isinstance(row, SubscriptionRow):
        return (row.parent_id, row.pupil_id)
    return (row.reference,)


def _key_name(kind: Kind) -> str:
    return "parent and pupil" if kind == "subscriptions" else "reference"


def subscription(row: int, v: Mapping[str, str]) -> SubscriptionRow:
    try:
        phone = normalize_mobile(v["phone"])
    except InvalidPhoneNumber as exc:
        raise BadRow(f"phone: {exc.reason}") from exc
    return SubscriptionRow(
        row=row, parent_id=_id(v, "parent_id"), pupil_id=_id(v, "pupil_id"), phone=phone,
        types=_types(v["types"]), language=_one_of(v, "language", LANGUAGES),
        latin=_flag(v, "latin"), consent_source=_id(v, "consent_source"),
        consent_at=_time(v, "consent_at"), verified=_flag(v, "phone_verified_by_core"),
    )  # fmt: skip


def balance(row: int, v: Mapping[str, str]) -> BalanceRow:
    reference = v["reference"]
    if not 0 < len(reference) <= MAX_REFERENCE:
        raise BadRow(f"reference: 1 to {MAX_REFERENCE} characters")
    return BalanceRow(row, _id(v, "parent_id"), _one_of(v, "currency", CURRENCIES),
                      _amount(v["amount"]), reference)  # fmt: skip


def _text(record: Record, column: str, default: str | None) -> str:
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


def _id(v: Mapping[str, str], column: str) -> str:
    if len(v[column]) > MAX_ID:
        raise BadRow(f"{column}: longer than {MAX_ID} characters")
    return v[column]


def _one_of(v: Mapping[str, str], column: str, allowed: frozenset[str]) -> str:
    if v[column] not in allowed:
        raise BadRow(f"{column}: {v[column]!r} is not one of {', '.join(sorted(allowed))}")
    return v[column]


def _types(raw: str) -> list[str]:
    types = {t for t in raw.replace(",", " ").split() if t}
    unknown = types - TYPES
    if unknown or not types:
        raise BadRow(
            f"types: {' '.join(sorted(unknown)) or 'none'} (known: {' '.join(sorted(TYPES))})"
        )
    return sorted(types)


def _flag(v: Mapping[str, str], column: str) -> bool:
    value = v[column].lower()
    if value not in _TRUE | _FALSE:
        raise BadRow(f"{column}: {v[column]!r} is not true or false")
    return value in _TRUE


def _time(v: Mapping[str, str], column: str) -> datetime:
    try:
        at = datetime.fromisoformat(v[column])
    except ValueError as exc:
        raise BadRow(f"{column}: not an ISO 8601 time") from exc
    if at.tzinfo is None:
        raise BadRow(f"{column}: needs its UTC offset (e.g. 2024-09-01T10:00:00+05:00)")
    return at


def _amount(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()):  # minor units: no sign, no decimal point, no spaces
        raise BadRow(f"amount: {raw!r} is not a whole number of minor units >= 0")
    amount = int(raw)
    if amount > MAX_AMOUNT:
        raise BadRow(f"amount: above {MAX_AMOUNT} minor units")
    return amount
