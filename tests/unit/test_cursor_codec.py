"""The paging cursor codec: whatever a client sends back, decoding either yields a key the
database can take or refuses it as InvalidCursor (a 422), never anything else (a 500)."""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.manager.errors import InvalidCursor
from notifier.manager.paging import INT64_MAX, FieldKind, decode_cursor, encode_cursor

SHAPES: list[tuple[FieldKind, ...]] = [(int,), (datetime, int), (datetime, UUID)]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
aware_times = st.builds(
    lambda at, offset: at.replace(tzinfo=timezone(offset)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    offsets,
)


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _fits(value: object) -> bool:
    if isinstance(value, int):
        return 0 <= value <= INT64_MAX
    if isinstance(value, datetime):
        return value.tzinfo is not None and 1970 <= value.astimezone(UTC).year < 9000
    return isinstance(value, str | UUID)


@given(
    st.lists(json_values | aware_times.map(datetime.isoformat), max_size=3), st.sampled_from(SHAPES)
)
def test_any_json_key_decodes_to_its_shape_or_is_refused(
    key: list[object], shape: tuple[FieldKind, ...]
) -> None:
    try:
        decoded = decode_cursor(_raw(key), shape)
    except InvalidCursor:
        return
    assert [type(v) for v in decoded] == list(shape)
    assert all(_fits(v) for v in decoded)


@given(st.text())
def test_any_text_decodes_or_is_refused(cursor: str) -> None:
    with contextlib.suppress(InvalidCursor):
        decode_cursor(cursor, (datetime, int))


@given(aware_times, st.integers(min_value=0, max_value=INT64_MAX))
def test_a_key_this_service_issues_round_trips(at: datetime, last_id: int) -> None:
    if not 1970 <= at.astimezone(UTC).year < 9000:
        return
    assert decode_cursor(encode_cursor([at.isoformat(), last_id]), (datetime, int)) == [at, last_id]


@pytest.mark.parametrize(
    "key",
    [
        [2**63],  # beyond bigint
        [-1],
        [10**30],
    ],
)
def test_ids_beyond_int64_are_refused(key: list[int]) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(_raw(key), (int,))


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "2026-11-23T09:00:00",
        "9999-12-31T00:00:00+00:00",
    ],
)
def test_times_at_the_calendar_edges_are_refused(at: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(_raw([at, 1]), (datetime, int))
