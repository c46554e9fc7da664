"""Keyset paging with opaque cursors: base64url of the last item's sort key, as JSON.

A cursor comes back from the client, so decoding trusts nothing: each field must have the
declared kind and fit what the database can hold (a bigint, a timestamp PostgreSQL and
Python can both represent, a UUID), or the whole cursor is an InvalidCursor (a 422).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from notifier.manager.errors import InvalidCursor

T = TypeVar("T")
Key = list[str | int]
# What a cursor field may be decoded to.
FieldKind = type[int] | type[str] | type[datetime] | type[UUID]

INT64_MAX = 2**63 - 1
_MAX_TEXT = 200
# Years a sort-key timestamp may fall in, once in UTC: far from either end of the calendar,
# so no offset or arithmetic can overflow Python's or PostgreSQL's range.
_YEARS = range(1970, 9000)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str, shape: Sequence[FieldKind]) -> list[Any]:
    """The sort key in a cursor, each field decoded to its kind in `shape`; InvalidCursor
    for anything this service could not have issued."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise InvalidCursor("this cursor is not valid") from exc
    if not isinstance(key, list) or len(key) != len(shape):
        raise InvalidCursor("this cursor is not valid")
    return [_field(value, kind) for value, kind in zip(key, shape, strict=True)]


def _field(value: object, kind: FieldKind) -> Any:
    if kind is int and type(value) is int and 0 <= value <= INT64_MAX:
        return value
    if type(value) is not str or kind is int or len(value) > _MAX_TEXT or "\x00" in value:
        raise InvalidCursor("this cursor is not valid")
    try:
        if kind is datetime:
            return _timestamp(value)
        return UUID(value) if kind is UUID else value
    except (ValueError, OverflowError) as exc:
        raise InvalidCursor("this cursor is not valid") from exc


def _timestamp(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("a cursor time carries its offset")
    if at.astimezone(UTC).year not in _YEARS:  # OverflowError near year 1 or 9999
        raise ValueError("out of range")
    return at


def make_page(items: list[T], limit: int, key_of: Callable[[T], Key]) -> Page[T]:
    """`items` were fetched with LIMIT limit + 1: an extra one means there is a next page."""
    if len(items) <= limit:
        return Page(items, None)
    kept = items[:limit]
    return Page(kept, encode_cursor(key_of(kept[-1])))
