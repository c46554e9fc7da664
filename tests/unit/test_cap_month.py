"""The month a cap counts in is the parent's: it begins at midnight on the 1st in their
school's zone, whatever the server's; the notice always fits one SMS part."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateways.sms.segments import count_parts
from notifier.outbox.caps import month_of, month_start, parent_zone
from notifier.sms.texts import LANGUAGES, cap_reached


def test_almaty_and_bishkek_months_begin_at_their_own_midnight() -> None:
    at = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 05:30 on 1 Dec in Almaty, 06:30 Bishkek
    assert month_start(at, "Asia/Almaty") == datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert month_start(at, "Asia/Bishkek") == datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    late = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # 23:30 on 30 Nov in Almaty
    assert month_of(late, "Asia/Almaty") == date(2026, 11, 1)
    assert month_of(late, "Asia/Bishkek") == date(2026, 12, 1)  # already 00:30 there


def test_almaty_before_2024_was_utc_plus_6() -> None:
    at = datetime(2024, 2, 10, tzinfo=UTC)
    assert month_start(at, "Asia/Almaty") == datetime(2024, 1, 31, 18, 0, tzinfo=UTC)


def test_an_unknown_school_zone_falls_back_to_the_wallets_country() -> None:
    assert parent_zone("Asia/Bishkek", "KZT") == "Asia/Bishkek"
    assert parent_zone("Mars/Olympus", "KGS") == "Asia/Bishkek"
    assert parent_zone(None, "KZT") == "Asia/Almaty"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_cap_notice_is_one_part_even_for_a_large_cap(lang: str) -> None:
    text = cap_reached(lang, "1 000 000.00 KZT")  # type: ignore[arg-type]
    assert count_parts(text).parts == 1
