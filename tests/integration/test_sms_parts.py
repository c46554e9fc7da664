"""Long SMPP messages keep their parts' states in PostgreSQL: a restart between two parts'
receipts still ends in one verdict for the whole message."""

from __future__ import annotations

import asyncio

import asyncpg

from gateways.sms import OutgoingSms
from gateways.sms.reports import Report
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from notifier.outbox.parts import PgParts
from tests.fakes.smsc import FakeSmsc
from tests.support import wait_for

LONG = "Домашнее задание по математике: " + "решить задачи 1-15 на странице 42. " * 2


async def test_a_part_failing_after_a_restart_still_fails_the_message(pool: asyncpg.Pool) -> None:
    smsc, reports = FakeSmsc(), list[Report]()
    await smsc.start()

    async def sink(report: Report) -> None:
        reports.append(report)

    config = SmppConfig("127.0.0.1", smsc.port, "school", "pw")
    before = SmppProvider(config, parts=PgParts(pool))
    sms = OutgoingSms("n1", "+77011234567", LONG, 2, "UCS-2", 40_00, "KZT", "eMektep")
    try:
        result = await before.send(sms)
        await before.close()  # the service restarts; the parts are in the database
        after = SmppProvider(config, on_report=sink, parts=PgParts(pool))
        await after.send(OutgoingSms("n2", "+77011234567", "hi", 1, "GSM-7", 20_00, "KZT", "x"))
        first, second = (p.message_id for p in smsc.submitted[:2])
        assert first is not None
        assert second is not None
        await smsc.receipt(second, "DELIVRD")
        await smsc.receipt(str(int(first, 16)), "EXPIRED")  # and in decimal, for good measure

        async def judged() -> bool:
            return len(reports) >= 1

        assert await wait_for(judged, 5)
        # A receipt again, once judged, changes nothing (sent before the verdict it could
        # overtake the EXPIRED one: receipts are handled concurrently, as a burst comes in).
        await smsc.receipt(first, "DELIVRD")
        await asyncio.sleep(0.2)
        await after.close()
    finally:
        await smsc.stop()
    assert [(r.provider_message_id, r.status) for r in reports] == [
        (result.provider_message_id, "expired")
    ]


async def test_receipts_for_two_parts_at_once_reach_one_verdict(pool: asyncpg.Pool) -> None:
    parts = PgParts(pool)
    await parts.register("smpp", ["a1", "a2"])
    verdicts = await asyncio.gather(
        parts.receipt("smpp", "a1", "delivered"), parts.receipt("smpp", "a2", "delivered")
    )
    assert sorted(verdicts, key=str) == [("a1", "delivered"), ("a1", None)]
    assert await parts.receipt("smpp", "zz", "delivered") is None
