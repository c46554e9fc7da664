"""Retention: monthly partitions of the outbox and the ledger's entries, made ahead of time,
and the archive that takes old outbox months out of the database (README: "Retention and
archiving")."""

from __future__ import annotations

import re
from datetime import date

_MONTH_TABLE = re.compile(r"notifications_(\d{4})_(\d{2})")


class RetentionError(Exception):
    """The archive cannot do what it was asked; the message says why and what to do."""


def month_of(table: str) -> date:
    """The month of an outbox month table, e.g. notifications_2025_10 -> 2025-10-01."""
    found = _MONTH_TABLE.fullmatch(table)
    if found is None:
        raise ValueError(f"{table} is not a month of the outbox")
    return date(int(found[1]), int(found[2]), 1)


def on_table(table: str, sql: str) -> str:
    """`sql` with `{table}` naming an outbox month table: only such names (letters, digits
    and underscores, checked) are ever put into SQL text."""
    month_of(table)
    return sql.replace("{table}", f'"{table}"')
