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

from notifier.onboarding import cells
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


Good = SubscriptionRow | BalanceRow
Checked = tuple[list[SubscriptionRow] | list[BalanceRow], list[Reject]]


def check_rows(kind: Kind, records: Sequence[tuple[int, Record]]) -> list[Good | Reject]:
    """Each record checked on its own (safe to split across worker processes)."""
    out: list[Good | Reject] = []
    for row, record in records:
        try:
            out.append(_check(kind, row, record))
        except cells.BadRow as exc:
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
        raise cells.BadRow("unreadable: not one JSON object, or more cells than the header")
    values = {c: cells.text(record, c, default) for c, default in COLUMNS[kind].items()}
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
        raise cells.BadRow(f"phone: {exc.reason}") from exc
    return SubscriptionRow(
        row=row,
        parent_id=cells.short_id(v, "parent_id"),
        pupil_id=cells.short_id(v, "pupil_id"),
        phone=phone,
        types=cells.types(v["types"]),
        language=cells.one_of(v, "language", cells.LANGUAGES),
        latin=cells.flag(v, "latin"),
        consent_source=cells.short_id(v, "consent_source"),
        consent_at=cells.timestamp(v, "consent_at"),
        verified=cells.flag(v, "phone_verified_by_core"),
    )


def balance(row: int, v: Mapping[str, str]) -> BalanceRow:
    reference = v["reference"]
    if not 0 < len(reference) <= cells.MAX_REFERENCE:
        raise cells.BadRow(f"reference: 1 to {cells.MAX_REFERENCE} characters")
    return BalanceRow(
        row=row,
        parent_id=cells.short_id(v, "parent_id"),
        currency=cells.one_of(v, "currency", cells.CURRENCIES),
        amount=cells.amount(v["amount"]),
        reference=reference,
    )
