"""Each school's zone and sending window, loaded for many schools at once."""

from __future__ import annotations

from datetime import UTC, datetime, time

import asyncpg

from notifier.outbox.window import load_send_windows, not_before_by_subscription

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


async def test_a_batch_of_subscriptions_learns_when_each_may_be_sent(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO schools (id, name, country, time_zone) VALUES"
        " ('kz', 'A', 'KZ', 'Asia/Almaty'), ('kg', 'B', 'KG', 'Asia/Bishkek');"
        " INSERT INTO classes VALUES ('c1', 'kz', '5А'), ('c2', 'kg', '5Б');"
        " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ('p1', 'kz', 'c1', 'А', 'ru', 'Asia/Almaty', now()),"
        " ('p2', 'kg', 'c2', 'Б', 'ky', 'Asia/Bishkek', now());"
        " INSERT INTO subscriptions (id, parent_id, pupil_id, phone, types, language) VALUES"
        " (1, 'a', 'p1', '+77011234567', '{homework}', 'ru'),"
        " (2, 'b', 'p2', '+996555123456', '{homework}', 'ky')"
    )
    evening = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)  # 19:30 Almaty, 20:30 Bishkek
    assert await not_before_by_subscription(pool, [1, 2, 3], evening) == {
        1: None,
        2: datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
    }
