"""Pure parts of the Notification Manager: codes, cursors, consent CSV, the OpenAPI builder."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from aiohttp import web
from pydantic import BaseModel, ConfigDict

from notifier.http.openapi import ApiRoute, api_routes, openapi_document
from notifier.manager.codes import code_hash, new_code
from notifier.manager.consent import ConsentRecord, consents_csv
from notifier.manager.errors import InvalidCursor
from notifier.manager.paging import decode_cursor, encode_cursor, make_page


def test_codes_are_six_digits() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150  # random, not a sequence


def test_a_code_hash_is_bound_to_the_parent_and_the_phone() -> None:
    base = code_hash("s" * 32, "par-1", "+77011234567", "123456")
    assert base == code_hash("s" * 32, "par-1", "+77011234567", "123456")
    assert base != code_hash("s" * 32, "par-2", "+77011234567", "123456")
    assert base != code_hash("s" * 32, "par-1", "+77051112233", "123456")
    assert base != code_hash("t" * 32, "par-1", "+77011234567", "123456")
    assert "123456" not in base


def test_a_cursor_round_trips_its_key() -> None:
    assert decode_cursor(encode_cursor(["2026-11-23T09:00:00+00:00", 42]), (str, int)) == [
        "2026-11-23T09:00:00+00:00",
        42,
    ]


@pytest.mark.parametrize("cursor", ["", "!!!", encode_cursor([1, 2]), encode_cursor(["x"])])
def test_a_cursor_of_the_wrong_shape_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, (str, int))


def test_a_page_has_a_cursor_only_when_more_items_follow() -> None:
    assert make_page([1, 2], 2, lambda i: [i]).next_cursor is None
    more = make_page([1, 2, 3], 2, lambda i: [i])
    assert more.items == [1, 2]
    assert more.next_cursor is not None
    assert decode_cursor(more.next_cursor, (int,)) == [2]


def test_consent_csv_neutralises_spreadsheet_formulas_but_keeps_phones() -> None:
    record = ConsentRecord(
        recorded_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        action="subscribe",
        parent_id="par-1",
        pupil_id="p-aida",
        phone="+77011234567",
        types=["homework", "weekly_grades"],
        language="ru",
        actor="par-1",
        ip="203.0.113.7",
        user_agent='=HYPERLINK("http://evil")',
    )
    rows = list(csv.reader(io.StringIO(consents_csv([record]))))
    assert rows[0][:3] == ["recorded_at", "action", "parent_id"]
    assert rows[1] == [
        "2026-11-23T09:00:00+00:00",
        "subscribe",
        "par-1",
        "p-aida",
        "+77011234567",
        "homework weekly_grades",
        "ru",
        "par-1",
        "203.0.113.7",
        '\'=HYPERLINK("http://evil")',
        "",  # source: the page's own records have none
        "",  # consented_at: when recorded
    ]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class _Out(BaseModel):
    id: int


async def _handler(request: web.Request) -> web.Response:
    return web.json_response({})


def test_the_openapi_document_names_every_declared_operation() -> None:
    table = [
        ApiRoute("POST", "/api/v1/things/{thing_id:\\d+}", _handler, "Make a thing", body=_In,
                 response=_Out, status=201, errors=(429,)),
    ]  # fmt: skip
    document = openapi_document(table, title="t", version="1")
    operation = document["paths"]["/api/v1/things/{thing_id}"]["post"]
    assert set(operation["responses"]) == {"201", "400", "401", "403", "404", "422", "429"}
    assert operation["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    assert operation["parameters"][0]["name"] == "thing_id"
    assert set(document["components"]["schemas"]) >= {"_In", "_Out", "ErrorOut"}
    assert len(api_routes(table)) == 1
