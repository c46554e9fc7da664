"""One weekly SMS per phone on real PostgreSQL: a parent's two children in two schools get one
SMS naming both, charged once, whatever the runs' order, concurrency or reruns."""

from __future__ import annotations

import asyncio

import asyncpg

from notifier.digest.run import run_school_week
from schemas import GradePosted
from tests.integration.digest_support import (
    EXPECTED_RU,
    FRIDAY_18_ALMATY,
    WEEK,
    digests,
    fixture_week,
    grades,
    job,
    school,
)
from tests.support import MovableClock

# par0's phone: Дана0 at school s (subscription 1) and Тимур at school t (subscription 3).
COMBINED = EXPECTED_RU.format(name="Дана0") + "\nТимур, оценки 23-29.11: Математика 5"


async def _second_school_same_phone(pool: asyncpg.Pool) -> None:
    await school(pool, 2)
    await pool.execute(
        "INSERT INTO schools (id, name, country, time_zone) VALUES ('t', 'T', 'KZ', 'Asia/Almaty');"
        " INSERT INTO classes VALUES ('ct', 't', '2Б');"
        " INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ('q0', 't', 'ct', 'Тимур', 'ru', 'Asia/Almaty', now());"
        " INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
        " phone_verified_at) VALUES ('par0', 'q0', '+77010000000', '{weekly_grades}', 'ru', now())"
    )
    await fixture_week(pool, "p0")
    await fixture_week(pool, "p1")
    await grades(pool, "q0", (GradePosted, {"grade_id": "q0-m1", "school_id": "t",
                                            "class_id": "ct", "mark": 5}))  # fmt: skip


async def _both_schools(pool: asyncpg.Pool, clock: MovableClock) -> None:
    await asyncio.gather(
        run_school_week(job(pool, clock), "t", WEEK),
        run_school_week(job(pool, clock), "s", WEEK),
        run_school_week(job(pool, clock, batch_size=1), "t", WEEK),  # a second replica
    )


async def test_two_schools_one_phone_one_sms_naming_both_children_charged_once(
    pool: asyncpg.Pool,
) -> None:
    await _second_school_same_phone(pool)
    await _both_schools(pool, MovableClock(FRIDAY_18_ALMATY))
    sent = await digests(pool)
    assert [(r["subscription_id"], r["body"]) for r in sent] == [
        (1, COMBINED),
        (2, EXPECTED_RU.format(name="Дана1")),
    ]
    assert [(r["parts"], r["held"]) for r in sent] == [(3, 60_00), (2, 40_00)]
    assert await pool.fetchval("SELECT held FROM ledger_accounts WHERE owner = 'par0'") == 60_00
    runs = await pool.fetch("SELECT school_id, queued, combined FROM digest_runs ORDER BY 1")
    assert [tuple(r) for r in runs] == [("s", 2, 0), ("t", 0, 1)]
    again = await run_school_week(job(pool, MovableClock(FRIDAY_18_ALMATY)), "t", WEEK)
    assert (again.status, again.queued, again.combined) == ("done", 0, 1)


async def test_rerunning_both_schools_from_scratch_changes_nothing(pool: asyncpg.Pool) -> None:
    await _second_school_same_phone(pool)
    clock = MovableClock(FRIDAY_18_ALMATY)
    await _both_schools(pool, clock)
    before = await digests(pool)
    await pool.execute("DELETE FROM digest_runs")  # the runs' memory lost: new run ids
    await _both_schools(pool, clock)
    assert await digests(pool) == before
    assert await pool.fetchval("SELECT count(*) FROM ledger_holds") == 2


async def test_a_parent_who_turns_it_off_gets_each_child_its_own_sms(pool: asyncpg.Pool) -> None:
    await _second_school_same_phone(pool)
    await pool.execute("INSERT INTO digest_phone_options VALUES ('par0', false, now())")
    await _both_schools(pool, MovableClock(FRIDAY_18_ALMATY))
    assert [(r["subscription_id"], r["held"]) for r in await digests(pool)] == [
        (1, 40_00), (2, 40_00), (3, 20_00),
    ]  # fmt: skip


async def test_the_first_schools_holiday_hands_the_phone_to_the_other(pool: asyncpg.Pool) -> None:
    await _second_school_same_phone(pool)
    await pool.execute("INSERT INTO digest_holidays VALUES ('s', $1)", WEEK)
    await _both_schools(pool, MovableClock(FRIDAY_18_ALMATY))
    assert [(r["subscription_id"], r["body"]) for r in await digests(pool)] == [
        (3, "Тимур, оценки 23-29.11: Математика 5"),
    ]


async def test_a_child_already_sent_this_week_is_not_sent_again_in_the_phones_sms(
    pool: asyncpg.Pool,
) -> None:
    await _second_school_same_phone(pool)
    await pool.execute("INSERT INTO digest_phone_options VALUES ('par0', false, now())")
    clock = MovableClock(FRIDAY_18_ALMATY)
    await run_school_week(job(pool, clock), "t", WEEK)  # Тимур's own SMS
    await pool.execute("UPDATE digest_phone_options SET per_phone = true")
    await run_school_week(job(pool, clock), "s", WEEK)
    assert [(r["subscription_id"], r["body"]) for r in await digests(pool)] == [
        (1, EXPECTED_RU.format(name="Дана0")),
        (2, EXPECTED_RU.format(name="Дана1")),
        (3, "Тимур, оценки 23-29.11: Математика 5"),
    ]


async def test_a_child_who_joins_the_phone_after_its_sms_went_gets_their_own(
    pool: asyncpg.Pool,
) -> None:
    await _second_school_same_phone(pool)
    await pool.execute("UPDATE subscriptions SET active = false WHERE id = 3")
    clock = MovableClock(FRIDAY_18_ALMATY)
    await run_school_week(job(pool, clock), "s", WEEK)
    await pool.execute("UPDATE subscriptions SET active = true WHERE id = 3")
    await run_school_week(job(pool, clock), "t", WEEK)
    assert [(r["subscription_id"], r["body"]) for r in await digests(pool)] == [
        (1, EXPECTED_RU.format(name="Дана0")),
        (2, EXPECTED_RU.format(name="Дана1")),
        (3, "Тимур, оценки 23-29.11: Математика 5"),
    ]
