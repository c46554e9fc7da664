"""Keyset paging with opaque cursors: base64url of the last item's sort key, as JSON."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from notifier.manager.errors import InvalidCursor

T = TypeVar("T")
Key = list[str | int]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str, shape: Sequence[type]) -> Key:
    """The sort key in a cursor; InvalidCursor unless it has exactly `shape`'s types."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor("this cursor is not valid") from exc
    if not isinstance(key, list) or len(key) != len(shape):
        raise InvalidCursor("this cursor is not valid")
    if not all(type(v) is t for v, t in zip(key, shape, strict=True)):
        raise InvalidCursor("this cursor is not valid")
    return key


def make_page(items: list[T], limit: int, key_of: Callable[[T], Key]) -> Page[T]:
    """`items` were fetched with LIMIT limit + 1: an extra one means there is a next page."""
    if len(items) <= limit:
        return Page(items, None)
    kept = items[:limit]
    return Page(kept, encode_cursor(key_of(kept[-1])))
