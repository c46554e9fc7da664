"""The monthly cap in the running service: homework published by the diary, a parent whose
cap is spent gets the SMS recorded `skipped_cap` and uncharged, one free notice on the phone,
and the SMS go again once the cap is raised."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from notifier.manager.spending import set_cap
from tests.e2e.conftest import Service
from tests.support import homework_assigned, received_sms, wait_for

pytestmark = pytest.mark.kafka


async def _statuses(service: Service, parent: str) -> list[str]:
    conn = await asyncpg.connect(service.settings.database_url)
    try:
        rows = await conn.fetch(
            "SELECT status FROM notifications WHERE parent_id = $1 AND kind = 'homework'"
            " ORDER BY id",
            parent,
        )
        return [r[0] for r in rows]
    finally:
        await conn.close()


async def _cap(service: Service, parent: str, cap: int | None) -> None:
    conn = await asyncpg.connect(service.settings.database_url)
    try:
        await set_cap(conn, parent, cap, datetime.now(UTC))
    finally:
        await conn.close()


async def test_homework_past_the_cap_is_not_charged_and_the_parent_is_told_once(
    service: Service,
) -> None:
    await service.enrol_with_parent("pup-cap", "par-cap")
    await service.wait_linked("par-cap", "pup-cap")
    await service.subscribe(parent_id="par-cap", pupil_id="pup-cap", phone="8 701 123 45 67",
                            types=["homework"], language="ru")  # fmt: skip
    await service.credit("par-cap", 1000_00)
    await _cap(service, "par-cap", 20_00)  # one homework SMS of 20.00 KZT a month
    for n in range(3):
        await service.publish("diary.homework", "c-5a", homework_assigned(text=f"Упр. {n}"))

    async def three() -> bool:
        return len(await _statuses(service, "par-cap")) == 3

    assert await wait_for(three, 20)
    statuses = await _statuses(service, "par-cap")
    assert statuses.count("skipped_cap") == 2
    assert (await service.wallet("par-cap"))["available"] == 980_00  # one SMS held or charged

    def notices() -> list[str]:
        return [str(m["text"]) for m in received_sms(service.settings.sms_dev_outbox)
                if str(m["text"]).startswith("Лимит SMS")]  # fmt: skip

    async def told() -> bool:
        return bool(notices())

    assert await wait_for(told, 20)
    assert notices() == ["Лимит SMS на месяц 20.00 KZT исчерпан, SMS не отправляются."]

    await _cap(service, "par-cap", 100_00)  # raised: the next homework goes out again
    await service.publish("diary.homework", "c-5a", homework_assigned(text="Упр. 9"))

    async def four() -> bool:
        return len(await _statuses(service, "par-cap")) == 4

    assert await wait_for(four, 20)
    assert (await _statuses(service, "par-cap"))[-1] != "skipped_cap"
    assert (await service.wallet("par-cap"))["available"] == 960_00
    assert len(notices()) == 1
