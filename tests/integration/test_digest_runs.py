"""Weekly digests on real PostgreSQL: on time, exact text, charged once, exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from notifier.digest.cli import describe, rerun
from notifier.digest.job import send_due
from notifier.digest.progress import Progress
from notifier.digest.run import run_school_week
from notifier.digest.schedule import WeekNotDue
from notifier.settings import Settings
from tests.integration.digest_support import (
    EXPECTED_RU,
    FRIDAY_18_ALMATY,
    WEEK,
    digests,
    fixture_week,
    job,
    school,
)
from tests.support import MovableClock


async def test_the_digest_goes_out_at_friday_18_in_the_school_zone(pool: asyncpg.Pool) -> None:
    await school(pool, 1)
    await fixture_week(pool, "p0")
    clock = MovableClock(FRIDAY_18_ALMATY - timedelta(seconds=1))
    assert await send_due(job(pool, clock), Progress(clock)) == []
    assert await digests(pool) == []
    clock.advance(timedelta(seconds=1))
    [outcome] = await send_due(job(pool, clock), Progress(clock))
    assert (outcome.week, outcome.status, outcome.queued) == (WEEK, "done", 1)
    [sms] = await digests(pool)
    assert sms["body"] == EXPECTED_RU.format(name="Дана0")
    assert (sms["status"], sms["parts"], sms["held"]) == ("queued", 2, 40_00)
    assert sms["next_attempt_at"] == FRIDAY_18_ALMATY  # inside the 09:00-20:00 window
    clock.advance(timedelta(minutes=1))
    assert await send_due(job(pool, clock), Progress(clock)) == []  # sent already


async def test_the_fixture_week_in_each_language_written_by_hand(pool: asyncpg.Pool) -> None:
    await school(pool, 4, languages="ru kk ky kk+")
    for i in range(4):
        await fixture_week(pool, f"p{i}")
    await run_school_week(job(pool, MovableClock(FRIDAY_18_ALMATY)), "s", WEEK)
    assert [(r["body"], r["parts"]) for r in await digests(pool)] == [
        ("Дана0, оценки 23-29.11: История Казахстана 4, 2 четв.: 5;"
         " Математика 5 4 5 (ср. 4,7); Русский язык 3 4 (ср. 3,5); Физика 12/15", 2),
        ("Дана1, 23-29.11 бағалары: История Казахстана 4, 2-тоқсан: 5;"
         " Математика 5 4 5 (орт. 4,7); Русский язык 3 4 (орт. 3,5); Физика 12/15", 2),
        ("Дана2, 23-29.11 баалары: История Казахстана 4, 2-чейрек: 5;"
         " Математика 5 4 5 (орт. 4,7); Русский язык 3 4 (орт. 3,5); Физика 12/15", 2),
        ("Dana3, 23-29.11 baghalary: Istoriya Kazakhstana 4, 2-toqsan: 5;"
         " Matematika 5 4 5 (ort. 4,7); Russkiy yazyk 3 4 (ort. 3,5); Fizika 12/15", 1),
    ]  # fmt: skip


async def test_a_holiday_week_sends_nothing(pool: asyncpg.Pool) -> None:
    await school(pool, 1)
    await fixture_week(pool, "p0")
    await pool.execute("INSERT INTO digest_holidays VALUES ('s', $1)", WEEK)
    clock = MovableClock(FRIDAY_18_ALMATY)
    assert await send_due(job(pool, clock), Progress(clock)) == []
    outcome = await run_school_week(job(pool, clock), "s", WEEK)
    assert outcome.status == "holiday"
    assert await digests(pool) == []


async def test_a_run_resumed_at_night_waits_for_the_morning(pool: asyncpg.Pool) -> None:
    await school(pool, 1)
    await fixture_week(pool, "p0")
    clock = MovableClock(datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # 21:30 in Almaty
    await run_school_week(job(pool, clock), "s", WEEK)
    [sms] = await digests(pool)
    assert sms["next_attempt_at"] == datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # 09:00


async def test_a_week_without_marks_costs_nothing_unless_the_school_asks(
    pool: asyncpg.Pool,
) -> None:
    await school(pool, 2)
    clock = MovableClock(FRIDAY_18_ALMATY)
    outcome = await run_school_week(job(pool, clock), "s", WEEK)
    assert (outcome.queued, outcome.empty) == (0, 2)
    assert await digests(pool) == []
    await pool.execute(
        "INSERT INTO digest_settings (school_id, send_empty, updated_at) VALUES ('s', true, now())"
    )
    clock.advance(timedelta(weeks=1))
    await run_school_week(job(pool, clock), "s", "2026-W49")
    assert [r["body"] for r in await digests(pool)] == [
        "Дана0: за 30.11-06.12 новых оценок нет.",
        "Дана1: за 30.11-06.12 новых оценок нет.",
    ]


async def test_a_parent_without_enough_money_is_skipped_and_not_charged(
    pool: asyncpg.Pool,
) -> None:
    await school(pool, 1, money=30_00)  # the digest is 2 parts, 40.00
    await fixture_week(pool, "p0")
    outcome = await run_school_week(job(pool, MovableClock(FRIDAY_18_ALMATY)), "s", WEEK)
    assert (outcome.queued, outcome.skipped) == (0, 1)
    [sms] = await digests(pool)
    assert (sms["status"], sms["held"]) == ("skipped_insufficient_funds", None)


async def test_two_runs_at_once_send_each_digest_once(pool: asyncpg.Pool) -> None:
    await school(pool, 7)
    for i in range(7):
        await fixture_week(pool, f"p{i}")
    clock = MovableClock(FRIDAY_18_ALMATY)
    outcomes = await asyncio.gather(
        run_school_week(job(pool, clock), "s", WEEK),
        run_school_week(job(pool, clock), "s", WEEK),
        send_due(job(pool, clock), Progress(clock)),
    )
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0].done, outcomes[0].queued) == (7, 7)
    await _exactly_one_each(pool, 7)


async def test_a_run_killed_half_way_resumes_and_never_duplicates(pool: asyncpg.Pool) -> None:
    await school(pool, 7)
    for i in range(7):
        await fixture_week(pool, f"p{i}")
    # The database fails the third batch (subscriptions 5-6) as a crash would.
    await pool.execute(
        "CREATE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.subscription_id = 5 THEN RAISE EXCEPTION 'killed'; END IF; RETURN NEW; END $$;"
        " CREATE TRIGGER crash BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION crash()"
    )
    clock = MovableClock(FRIDAY_18_ALMATY)
    with pytest.raises(asyncpg.RaiseError, match="killed"):
        await run_school_week(job(pool, clock), "s", WEEK)
    assert len(await digests(pool)) == 4  # two batches committed, the third rolled back
    await pool.execute("DROP TRIGGER crash ON notifications")
    clock.advance(timedelta(minutes=1))
    outcome = await run_school_week(job(pool, clock), "s", WEEK)
    assert (outcome.status, outcome.done, outcome.queued) == ("done", 7, 7)
    await _exactly_one_each(pool, 7)


async def test_ops_rerun_a_week_from_the_command_line(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    await school(pool, 3)
    for i in range(3):
        await fixture_week(pool, f"p{i}")
    await run_school_week(job(pool, MovableClock(FRIDAY_18_ALMATY), batch_size=1), "s", WEEK)
    outcome = await rerun(settings, "s", WEEK)
    assert describe(outcome) == (
        "school_id=s week=2026-W48 status=done total=3 done=3 queued=3 skipped=0 empty=0 combined=0"
    )
    await _exactly_one_each(pool, 3)


async def test_a_week_before_its_send_time_is_refused_and_stays_open(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    await school(pool, 1)
    await fixture_week(pool, "p0")
    clock = MovableClock(FRIDAY_18_ALMATY - timedelta(minutes=1))
    with pytest.raises(WeekNotDue, match=r"week 2026-W48 is not due yet: .* 2026-11-27 18:00"):
        await run_school_week(job(pool, clock), "s", WEEK)
    assert await pool.fetchval("SELECT count(*) FROM digest_runs") == 0
    next_year = f"{datetime.now(UTC).year + 1}-W10"
    with pytest.raises(SystemExit) as exited:  # the shell: one line, non-zero exit
        await rerun(settings, "s", next_year)
    assert str(exited.value).startswith(f"notifier digest: week {next_year} is not due yet")
    clock.advance(timedelta(minutes=1))  # Friday 18:00 in Almaty: the week is sent, all of it
    outcome = await run_school_week(job(pool, clock), "s", WEEK)
    assert (outcome.status, outcome.queued) == ("done", 1)


async def _exactly_one_each(pool: asyncpg.Pool, families: int) -> None:
    sent = await digests(pool)
    assert [r["parent_id"] for r in sent] == [f"par{i}" for i in range(families)]
    holds = await pool.fetchval("SELECT count(*) FROM ledger_holds")
    assert holds == families
    balances = await pool.fetch("SELECT DISTINCT held FROM ledger_accounts WHERE kind = 'wallet'")
    assert [r["held"] for r in balances] == [40_00]
    # Each child's week is recorded as carried by its own SMS (the parent's history lists it).
    carriers = await pool.fetch("SELECT subscription_id, sent_with FROM digest_coverage")
    assert sorted(carriers) == sorted((r["subscription_id"], r["subscription_id"]) for r in sent)


async def test_a_run_started_over_from_scratch_queues_nothing_twice(pool: asyncpg.Pool) -> None:
    await school(pool, 3)
    for i in range(3):
        await fixture_week(pool, f"p{i}")
    clock = MovableClock(FRIDAY_18_ALMATY)
    await run_school_week(job(pool, clock), "s", WEEK)
    await pool.execute("DELETE FROM digest_runs")  # the run's memory is lost: a new run id
    outcome = await run_school_week(job(pool, clock), "s", WEEK)
    assert (outcome.status, outcome.done, outcome.queued) == ("done", 3, 0)
    await _exactly_one_each(pool, 3)


async def test_schools_side_by_side_send_each_digest_once(pool: asyncpg.Pool) -> None:
    await _three_schools(pool)
    clock = MovableClock(FRIDAY_18_ALMATY)
    at_once = replace(job(pool, clock), schools_at_once=3)
    outcomes = await send_due(at_once, Progress(clock))
    assert sorted((o.school_id, o.status, o.queued) for o in outcomes) == [
        ("s", "done", 2), ("s1", "done", 2), ("s2", "done", 2),
    ]  # fmt: skip
    await _exactly_one_each(pool, 6)


async def test_a_replica_leaves_a_school_another_is_sending_and_sends_the_rest(
    pool: asyncpg.Pool,
) -> None:
    await _three_schools(pool)
    clock = MovableClock(FRIDAY_18_ALMATY)
    await pool.execute(
        "INSERT INTO digest_runs (id, school_id, iso_week, status, total, started_at, updated_at)"
        " VALUES (gen_random_uuid(), 's1', $1, 'running', 2, now(), now())",
        WEEK,
    )
    async with pool.acquire() as other, other.transaction():  # another replica, mid-batch
        await other.execute("SELECT 1 FROM digest_runs WHERE school_id = 's1' FOR UPDATE")
        progress = Progress(clock)
        # Waiting behind the lock would never end: it is held until this returns.
        outcomes = await asyncio.wait_for(send_due(job(pool, clock), progress), timeout=60)
    assert sorted((o.school_id, o.status, o.queued) for o in outcomes) == [
        ("s", "done", 2), ("s1", "running", 0), ("s2", "done", 2),
    ]  # fmt: skip
    assert (progress.done, progress.total) == (4, 4)  # s1 is not this replica's to count
    assert len(await digests(pool)) == 4
    # That replica died before its batch committed: the next tick sends the school.
    [again] = await send_due(job(pool, clock), Progress(clock))
    assert (again.school_id, again.status, again.queued) == ("s1", "done", 2)
    await _exactly_one_each(pool, 6)


async def _three_schools(pool: asyncpg.Pool) -> None:
    """Schools s, s1 and s2, two families each."""
    await school(pool, 6)
    for i in range(6):
        await fixture_week(pool, f"p{i}")
    await pool.execute(
        "INSERT INTO schools (id, name, country, time_zone) SELECT id, id, 'KZ', 'Asia/Almaty'"
        " FROM unnest('{s1,s2}'::text[]) AS id;"
        " UPDATE pupils SET school_id = 's' || (right(id, 1)::int % 3)::text"
        " WHERE right(id, 1)::int % 3 > 0"
    )
