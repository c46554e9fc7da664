"""Matching, a pure function: gateway items against ledger items, one finding per item."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ItemKind = Literal["payment", "refund", "dispute"]
FindingKind = Literal[
    "matched", "missing_in_ledger", "missing_at_gateway", "amount_mismatch", "currency_mismatch"
]
Key = tuple[str, ItemKind, str]  # (gateway, item kind, id at the gateway)


@dataclass(frozen=True)
class Item:
    """One money movement at a gateway as one side (ledger or gateway) records it."""

    gateway: str
    kind: ItemKind
    key: str  # the gateway's payment id for payments; the refund / dispute id otherwise
    # Minor units the item moved: a payment, refund or lost dispute is positive; money given
    # back after a won dispute is negative, so a dispute lost and won nets to zero.
    amount: int
    currency: str
    at: datetime
    transaction_id: int | None = None  # the ledger transaction, on the ledger side


@dataclass(frozen=True)
class Finding:
    gateway: str
    kind: ItemKind
    key: str
    finding: FindingKind
    ledger_amount: int | None
    ledger_currency: str | None
    gateway_amount: int | None
    gateway_currency: str | None
    at: datetime  # when the gateway saw it, else when the ledger recorded it
    transaction_ids: tuple[int, ...] = ()

    @property
    def mismatch(self) -> bool:
        return self.finding != "matched"


@dataclass(frozen=True)
class _Side:
    amount: int
    currency: str
    at: datetime
    transaction_ids: tuple[int, ...]


def reconcile(ledger_items: Iterable[Item], gateway_items: Iterable[Item]) -> list[Finding]:
    """One finding per (gateway, kind, key) seen on either side, sorted by that key.

    Items with the same key on one side are summed (a gateway listing the very same item twice,
    e.g. across pages, counts once). The result never depends on the order of the inputs.
    """
    ledger, gateway = _by_key(ledger_items), _by_key(gateway_items)
    return [_judge(key, ledger.get(key), gateway.get(key)) for key in sorted(ledger | gateway)]


def within(findings: Iterable[Finding], start: datetime, end: datetime) -> list[Finding]:
    """Findings that belong to [start, end): a run looks a little beyond its period so that a
    payment recorded just after midnight still matches, then reports each item in one period."""
    return [f for f in findings if start <= f.at < end]


def _by_key(items: Iterable[Item]) -> dict[Key, _Side]:
    grouped: dict[Key, set[Item]] = defaultdict(set)
    for item in items:
        grouped[(item.gateway, item.kind, item.key)].add(item)
    return {key: _merge(same) for key, same in grouped.items()}


def _merge(items: set[Item]) -> _Side:
    currencies = sorted({i.currency for i in items})
    ids = sorted(i.transaction_id for i in items if i.transaction_id is not None)
    return _Side(
        amount=sum(i.amount for i in items),
        currency="/".join(currencies),  # mixed currencies under one key never match
        at=min(i.at for i in items),
        transaction_ids=tuple(ids),
    )


def _judge(key: Key, ledger: _Side | None, gateway: _Side | None) -> Finding:
    one = ledger or gateway
    assert one is not None
    if (ledger is None or gateway is None) and one.amount == 0:
        kind: FindingKind = "matched"  # netted to nothing on the one side: nothing to find
    elif ledger is None:
        kind = "missing_in_ledger"
    elif gateway is None:
        kind = "missing_at_gateway"
    elif ledger.currency != gateway.currency:
        kind = "currency_mismatch"
    elif ledger.amount != gateway.amount:
        kind = "amount_mismatch"
    else:
        kind = "matched"
    anchor = gateway or one
    return Finding(
        gateway=key[0],
        kind=key[1],
        key=key[2],
        finding=kind,
        ledger_amount=ledger.amount if ledger else None,
        ledger_currency=ledger.currency if ledger else None,
        gateway_amount=gateway.amount if gateway else None,
        gateway_currency=gateway.currency if gateway else None,
        at=anchor.at,
        transaction_ids=ledger.transaction_ids if ledger else (),
    )
