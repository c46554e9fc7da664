"""The archive's month arithmetic and names, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from notifier.retention import RetentionError, month_of, on_table
from notifier.retention.archive import earliest_kept
from notifier.retention.cli import parse_month


@pytest.mark.parametrize(
    ("today", "months", "kept"),
    [
        (date(2026, 12, 6), 13, date(2025, 11, 1)),
        (date(2026, 1, 31), 13, date(2024, 12, 1)),
        (date(2026, 3, 1), 2, date(2026, 1, 1)),
    ],
)
def test_the_retention_keeps_this_month_and_the_ones_before_it(
    today: date, months: int, kept: date
) -> None:
    assert earliest_kept(today, months) == kept


def test_a_month_is_written_as_yyyy_mm() -> None:
    assert parse_month("2025-11") == date(2025, 11, 1)
    for wrong in ("2025-13", "2025/11", "11-2025", "2025-11-01"):
        with pytest.raises(RetentionError, match="expected a month as YYYY-MM"):
            parse_month(wrong)


def test_only_the_outbox_month_tables_are_put_into_sql() -> None:
    assert month_of("notifications_2025_10") == date(2025, 10, 1)
    assert on_table("notifications_2025_10", "DROP TABLE {table}") == (
        'DROP TABLE "notifications_2025_10"'
    )
    for other in ("notifications", "notifications_default", "ledger_entries_2025_10",
                  "notifications_2025_10\n",
                  'notifications_2025_10"; DROP TABLE ledger_entries; --'):  # fmt: skip
        with pytest.raises(ValueError, match="not a month of the outbox"):
            on_table(other, "DROP TABLE {table}")
