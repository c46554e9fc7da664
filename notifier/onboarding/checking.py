"""Rows checked in worker processes, and what crosses back: each good row as a plain tuple,
its consent time as ISO text. A named tuple holding a datetime pickles more than ten times
slower (about 30 µs a row, as much as checking it), and the import is CPU-bound."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from notifier.onboarding.rows import BalanceRow, Good, Kind, Record, Reject, SubscriptionRow
from notifier.onboarding.rows import check_rows as _check_rows

Packed = tuple[object, ...] | Reject


def check_packed(kind: Kind, records: Sequence[tuple[int, Record]]) -> list[Packed]:
    """check_rows, packed for the trip back to the importing process."""
    return [r if isinstance(r, Reject) else _pack(r) for r in _check_rows(kind, records)]


def unpacked(kind: Kind, items: Sequence[Packed]) -> list[Good | Reject]:
    """The rows check_packed checked, as check_rows gives them."""
    if kind == "balances":
        return [i if isinstance(i, Reject) else BalanceRow._make(i) for i in items]
    return [i if isinstance(i, Reject) else _subscription(i) for i in items]


def _pack(row: Good) -> tuple[object, ...]:
    if isinstance(row, SubscriptionRow):
        return (*row[:8], row.consent_at.isoformat(), row.verified)
    return tuple(row)


def _subscription(item: tuple[object, ...]) -> SubscriptionRow:
    row = SubscriptionRow._make(item)
    return row._replace(consent_at=datetime.fromisoformat(row.consent_at))  # type: ignore[arg-type]
