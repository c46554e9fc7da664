"""Reports as people take them away: CSV for accountants or JSON rows for programs.

One convention, said where it is read: JSON money is integers in minor units (tiyn, tyiyn),
as everywhere in the API; CSV money is major units as decimal strings ("40.00"), and its
header says so: a money column is named ``<name>_major`` (``debit_major``), its currency in
the row's ``currency`` column. A spreadsheet never shows 4000 where 40.00 was meant.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from billing.money import MINOR_UNITS
from billing.reports.queries import FINANCE_TZ, Report

MAJOR_SUFFIX = "_major"
# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(report: Report) -> str:
    """A header row, then one line per row; CRLF line ends and quoting as RFC 4180 says."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_header(report))
    for row in report.rows:
        writer.writerow(_csv_cell(report, row, column) for column in report.columns)
    return out.getvalue()


def csv_header(report: Report) -> list[str]:
    """Column names; money columns end in ``_major``: their cells are major units."""
    return [f"{c}{MAJOR_SUFFIX}" if c in report.money else c for c in report.columns]


def json_rows(report: Report) -> list[dict[str, Any]]:
    """Rows for JSON: money stays in minor units (as everywhere in the API), times in ISO 8601."""
    return [{c: _plain(row[c]) for c in report.columns} for row in report.rows]


def decimal_string(amount: int, currency: str) -> str:
    """`4000, "KZT"` -> `"40.00"`."""
    digits = MINOR_UNITS.get(currency, 2)
    whole, frac = divmod(abs(amount), 10**digits)
    return f"{'-' if amount < 0 else ''}{whole}.{frac:0{digits}d}"


def _csv_cell(report: Report, row: dict[str, Any], column: str) -> str:
    value = row[column]
    if value is None:
        return ""
    if column in report.money:
        return decimal_string(value, row["currency"])
    text = str(_plain(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(FINANCE_TZ)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
