"""SMPP_BINDS: several transceiver binds to one SMSC, each with its own window, messages
spread across them, every part of a long SMS on one bind, receipts from any bind."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from gateways.sms import OutgoingSms
from gateways.sms.reports import Report
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.smsc_peer import SmscPeer
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)

LONG = "Домашнее задание по математике: " + "решить задачи 1-15 на странице 42. " * 2


def sms(i: int, body: str = "Homework: p. 42") -> OutgoingSms:
    return OutgoingSms(
        reference=f"n{i}", phone="+77011234567", body=body, parts=1, encoding="GSM-7",
        price=20_00, currency="KZT", sender="eMektep",
    )  # fmt: skip


class Reports(list[Report]):
    async def __call__(self, report: Report) -> None:
        self.append(report)


async def test_submits_spread_over_the_binds_and_a_long_sms_stays_on_one(
    smsc_peer: SmscPeer,
) -> None:
    smsc_peer.receipts = "DELIVRD"
    reports = Reports()
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret", window=5, binds=3)
    smpp = SmppProvider(config, on_report=reports, clock=MovableClock())
    try:
        short = [smpp.send(sms(i)) for i in range(60)]
        long = [smpp.send(sms(100 + i, LONG)) for i in range(15)]
        results = await asyncio.gather(*short, *long)

        async def all_reported() -> bool:
            return len(reports) == 75

        assert await wait_for(all_reported, 10), (
            len(reports),
            len(smsc_peer.submitted),
            smsc_peer.receipts_acked,
        )
    finally:
        await smpp.close()
    assert smsc_peer.binds == 3
    per_bind = Counter(p.bind for p in smsc_peer.submitted)
    assert set(per_bind) == {1, 2, 3}
    assert min(per_bind.values()) >= 15  # each bind carried a fair share of the 90 parts
    by_udh: dict[bytes, set[int]] = {}
    for p in smsc_peer.submitted:
        if p.esm_class & 0x40:
            by_udh.setdefault(p.short_message[:4] + bytes([p.short_message[4]]), set()).add(p.bind)
    assert all(len(binds) == 1 for binds in by_udh.values())  # parts never split over binds
    assert {r.provider_message_id for r in reports} == {r.provider_message_id for r in results}
    assert {r.status for r in reports} == {"delivered"}


async def test_a_bind_never_has_more_than_its_window_in_flight(smsc_peer: SmscPeer) -> None:
    smsc_peer.script = ["silent"] * 20  # nothing is answered: every submit stays in flight
    config = SmppConfig(
        "127.0.0.1", smsc_peer.port, "school", "secret", window=3, binds=2, submit_timeout=1
    )
    smpp = SmppProvider(config, clock=MovableClock())
    try:
        sending = [asyncio.create_task(smpp.send(sms(i))) for i in range(10)]

        async def windows_full() -> bool:
            return len(smsc_peer.submitted) >= 6

        assert await wait_for(windows_full, 5)
        await asyncio.sleep(0.3)
        assert Counter(p.bind for p in smsc_peer.submitted) == {1: 3, 2: 3}
        for task in sending:
            task.cancel()
        await asyncio.gather(*sending, return_exceptions=True)
    finally:
        await smpp.close()


@pytest.mark.parametrize("binds", [1, 2])
async def test_one_refusing_bind_does_not_stop_the_others(smsc_peer: SmscPeer, binds: int) -> None:
    config = SmppConfig("127.0.0.1", smsc_peer.port, "school", "secret", binds=binds)
    smpp = SmppProvider(config, clock=MovableClock())
    try:
        await asyncio.gather(*(smpp.send(sms(i)) for i in range(10)))
        smsc_peer.drop_links()
        await asyncio.sleep(0.3)  # the readers notice
        await asyncio.gather(*(smpp.send(sms(20 + i)) for i in range(10)))
    finally:
        await smpp.close()
    assert smsc_peer.binds == 2 * binds  # every bind came back, none twice
