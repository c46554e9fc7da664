"""Each school's zone and sending window, loaded for many schools at once."""

from __future__ import annotations

from datetime import UTC, datetime, time

import asyncpg

from notifier.outbox.window import load_send_windows

NIGHT_UTC = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 22:30 Almaty, 23:30 Bishkek


async def test_windows_of_many_schools_in_their_own_zones(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO schools (id, name, country, time_zone) VALUES"
        " ('late', 'L', 'KZ', 'Asia/Almaty'), ('kg', 'K', 'KG', 'Asia/Bishkek'),"
        " ('new', 'N', 'KG', NULL);"
        " INSERT INTO digest_settings (school_id, window_start, window_end, updated_at)"
        " VALUES ('late', '07:00', '23:00', now())"
    )
    windows = await load_send_windows(pool, ["late", "kg", "new", "unknown"])
    assert sorted(windows) == ["kg", "late", "new"]
    assert windows["late"].window == (time(7), time(23))
    assert windows["late"].next_send_time(NIGHT_UTC) is None  # 22:30 is inside 07-23
    morning_bishkek = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 09:00 in Bishkek
    assert windows["kg"].next_send_time(NIGHT_UTC) == morning_bishkek
    assert windows["new"].next_send_time(NIGHT_UTC) == morning_bishkek  # the country's zone
