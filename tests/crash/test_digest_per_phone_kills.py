"""The weekly digest killed mid-run again and again, two schools at once, while half the
parents have a child in each school on one phone: every phone still gets exactly one digest
of the week, naming each of its children, charged once."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys

import asyncpg
import pytest

from billing.ledger import credit_wallet
from notifier.settings import Settings
from tests.crash import figures

pytestmark = [pytest.mark.crash]

FAMILIES = 300  # every even family also has a child at school B on the same phone
WEEK = "2026-W48"


async def _seed(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "INSERT INTO schools (id, name, country, time_zone) VALUES"
        " ('A', 'A', 'KZ', 'Asia/Almaty'), ('B', 'B', 'KZ', 'Asia/Almaty');"
        " INSERT INTO classes VALUES ('ca', 'A', '5А'), ('cb', 'B', '2Б')"
    )
    pupils = [(f"a{i}", "A", "ca", f"Ая{i}") for i in range(FAMILIES)]
    pupils += [(f"b{i}", "B", "cb", f"Бек{i}") for i in range(0, FAMILIES, 2)]
    await conn.executemany(
        "INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)"
        " VALUES ($1, $2, $3, $4, 'ru', 'Asia/Almaty', now())",
        pupils,
    )
    # Every fourth family subscribed the B child first: its phone's SMS goes with B's run.
    subs = sorted(
        ((i if p.startswith("a") == (i % 4 != 0) else FAMILIES + i), f"f{i}", p)
        for p, _, _, _ in pupils
        for i in [int(p[1:])]
    )
    await conn.executemany(
        "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
        " phone_verified_at) VALUES ($1, $2, '+7701' || lpad(substr($1, 2), 7, '0'),"
        " '{weekly_grades}', 'ru', now())",
        [(parent, pupil) for _, parent, pupil in subs],
    )
    await conn.executemany(
        "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, mark,"
        " as_of) VALUES ($1, $2, $1, 'Математика', '2026-11-24', 'lesson', 5, now())",
        [(p, school) for p, school, _, _ in pupils],
    )
    async with conn.transaction():
        for i in range(FAMILIES):
            await credit_wallet(conn, f"f{i}", 1000_00, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference=f"t-{i}")  # fmt: skip


KILLS = 4  # per school


async def _run_until_done(settings: Settings, school: str, rng: random.Random) -> int:
    """`notifier digest` for the school, SIGKILLed part-way through its run KILLS times (at a
    random batch), then left to finish; how many kills landed mid-run."""
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,  # required, not used
        "DIGEST_BATCH_SIZE": "3",
        "LOG_LEVEL": "WARNING",
    }
    kills = 0
    for attempt in range(KILLS + 1):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notifier", "digest", "--school", school, "--week", WEEK,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        if attempt < KILLS and await _killed_mid_run(settings, school, proc, rng):
            kills += 1
            continue
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        assert b"status=done" in out
        return kills
    raise AssertionError(f"school {school}: no run finished")


async def _killed_mid_run(
    settings: Settings, school: str, proc: asyncio.subprocess.Process, rng: random.Random
) -> bool:
    conn = await asyncpg.connect(settings.database_url)
    try:
        target: int | None = None
        while proc.returncode is None:
            row = await conn.fetchrow(
                "SELECT done, total, status FROM digest_runs WHERE school_id = $1"
                " AND iso_week = $2", school, WEEK,
            )  # fmt: skip
            if row is not None and row["status"] == "done":
                return False
            if row is not None and target is None:
                target = row["done"] + rng.randint(1, max(1, (row["total"] - row["done"]) // 3))
            if target is not None and row is not None and row["done"] >= target:
                proc.send_signal(signal.SIGKILL)
                await proc.communicate()  # reaped, its pipes closed
                return True
            await asyncio.sleep(0.005)
        return False
    finally:
        await conn.close()


async def test_killed_digest_runs_send_one_sms_per_phone_naming_each_child(
    settings: Settings,
) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        await _seed(conn)
        rng = random.Random("digest-per-phone")
        kills = await asyncio.gather(*(_run_until_done(settings, s, rng) for s in "AB"))
        rows = await conn.fetch(
            "SELECT n.phone, n.body, n.price, h.amount FROM notifications n"
            " JOIN ledger_holds h ON h.id = n.hold_id WHERE n.kind = 'weekly_digest'"
        )
        per_phone = {r["phone"]: r for r in rows}
        covered = await conn.fetch(
            "SELECT subscription_id, count(*) FROM digest_coverage GROUP BY 1"
        )
        held = await conn.fetchval("SELECT sum(held) FROM ledger_accounts WHERE kind = 'wallet'")
    finally:
        await conn.close()
    assert len(rows) == len(per_phone) == FAMILIES  # one SMS per phone, none twice
    for i in range(FAMILIES):
        body = per_phone[f"+7701{i:07d}"]["body"]
        assert f"Ая{i}," in body
        assert (f"Бек{i}," in body) == (i % 2 == 0)
    assert all(r["price"] == r["amount"] for r in rows)  # charged once, at its price
    assert held == sum(r["price"] for r in rows)
    assert len(covered) == FAMILIES * 3 // 2
    assert {r["count"] for r in covered} == {1}
    figures.LINES.append(f"digest per phone: {sum(kills)} SIGKILLs mid-run, {len(rows)} SMS")
