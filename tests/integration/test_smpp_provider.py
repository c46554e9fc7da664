"""The SMPP provider against an SMSC on loopback (smpp34's server): what goes over the wire,
what each SMSC answer means for the dispatcher, receipts, windowing and re-binding."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from gateways.sms import (
    LookupUnsupported,
    OutgoingSms,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.reports import Report
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_receipts import IdBase
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.smsc import FakeSmsc
from tests.fakes.tcp_proxy import CuttableProxy
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)

CYRILLIC = "Домашнее задание по математике: " + "решить задачи 1-15 на странице 42. " * 2


def sms(body: str = "Homework: p. 42", reference: str = "n1") -> OutgoingSms:
    return OutgoingSms(
        reference=reference, phone="+77011234567", body=body, parts=1, encoding="GSM-7",
        price=20_00, currency="KZT", sender="eMektep",
    )  # fmt: skip


class Reports(list[Report]):
    async def __call__(self, report: Report) -> None:
        self.append(report)


@pytest.fixture
def reports() -> Reports:
    return Reports()


@pytest.fixture
async def provider(smsc: FakeSmsc, reports: Reports) -> AsyncIterator[SmppProvider]:
    config = SmppConfig("127.0.0.1", smsc.port, "school", "secret", submit_timeout=0.5)
    p = SmppProvider(config, on_report=reports, clock=MovableClock())
    yield p
    await p.close()


async def test_a_latin_text_goes_as_one_gsm7_part_from_the_alphanumeric_sender(
    provider: SmppProvider, smsc: FakeSmsc
) -> None:
    result = await provider.send(sms("Homework: p. 42 {ex. 3}"))
    [part] = smsc.submitted
    assert (part.destination, part.source, part.source_ton) == ("77011234567", "eMektep", 5)
    assert (part.data_coding, part.esm_class, part.registered_delivery) == (0, 0, 1)
    assert part.short_message == b"Homework: p. 42 \x1b(ex. 3\x1b)"
    assert result.provider == "smpp"
    assert result.provider_message_id == part.message_id.lower().lstrip("0")  # type: ignore[union-attr]


async def test_a_long_cyrillic_text_goes_as_ucs2_parts_joined_by_one_udh_reference(
    provider: SmppProvider, smsc: FakeSmsc
) -> None:
    await provider.send(sms(CYRILLIC))
    parts = smsc.submitted
    assert len(parts) == 2  # exactly what the parent was charged for
    assert {(p.data_coding, p.esm_class) for p in parts} == {(8, 0x40)}
    udhs = [p.short_message[:6] for p in parts]
    assert [u[:3] for u in udhs] == [b"\x05\x00\x03"] * 2
    assert udhs[0][3] == udhs[1][3]  # the same concatenation reference
    assert [(u[4], u[5]) for u in udhs] == [(2, 1), (2, 2)]
    text = "".join(p.short_message[6:].decode("utf-16-be") for p in parts)
    assert text == CYRILLIC


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("throttled", SmsTemporaryFailure),
        ("queue_full", SmsTemporaryFailure),
        ("bad_destination", SmsRejected),
        ("silent", SmsInDoubt),
    ],
)
async def test_smsc_answers_map_to_what_the_dispatcher_may_do_next(
    provider: SmppProvider, smsc: FakeSmsc, answer: str, error: type[Exception]
) -> None:
    smsc.script = [answer]
    with pytest.raises(error):
        await provider.send(sms())
    await provider.send(sms(reference="n2"))  # the session is still usable


async def test_a_refused_second_part_is_in_doubt_never_a_clean_failure(
    provider: SmppProvider, smsc: FakeSmsc
) -> None:
    smsc.script = ["ok", "bad_destination"]
    with pytest.raises(SmsInDoubt, match="1 part"):
        await provider.send(sms(CYRILLIC))


async def test_several_submits_are_in_flight_on_one_session(
    provider: SmppProvider, smsc: FakeSmsc
) -> None:
    smsc.script = ["hold"] * 5
    sending = [asyncio.create_task(provider.send(sms(reference=f"n{i}"))) for i in range(5)]

    async def all_waiting() -> bool:
        return smsc.held == 5

    assert await wait_for(all_waiting, timeout=5), "the window did not carry 5 PDUs at once"
    smsc.release()
    results = await asyncio.gather(*sending)
    assert len({r.provider_message_id for r in results}) == 5
    assert smsc.binds == 1


@pytest.mark.parametrize(
    ("written_as", "receipt_ids"),
    [("same", "same"), ("decimal", "decimal_of_hex"), ("no_leading_zeros", "same")],
)
async def test_a_receipt_reaches_the_callback_under_the_id_send_returned(
    smsc: FakeSmsc, reports: Reports, written_as: str, receipt_ids: IdBase
) -> None:
    config = SmppConfig("127.0.0.1", smsc.port, "school", "pw", receipt_ids=receipt_ids)
    provider = SmppProvider(config, on_report=reports)
    try:
        result = await provider.send(sms())
        smsc_id = _smsc_ids(smsc)[0]
        receipt_id = {
            "same": smsc_id,
            "decimal": str(int(smsc_id, 16)),
            "no_leading_zeros": smsc_id.lstrip("0").lower(),
        }[written_as]
        await smsc.receipt(receipt_id, "DELIVRD")
        assert await _reported(reports, 1)
    finally:
        await provider.close()
    assert (reports[0].provider_message_id, reports[0].status) == (
        result.provider_message_id,
        "delivered",
    )


async def test_long_message_receipts_in_the_other_base_are_matched_to_their_parts(
    provider: SmppProvider, smsc: FakeSmsc, reports: Reports
) -> None:
    result = await provider.send(sms(CYRILLIC))
    first, second = _smsc_ids(smsc)
    await smsc.receipt(str(int(second, 16)), "DELIVRD")
    await smsc.receipt(str(int(first, 16)), "DELIVRD")
    assert await _reported(reports, 1)
    assert (reports[0].provider_message_id, reports[0].status) == (
        result.provider_message_id,
        "delivered",
    )


async def test_a_later_parts_success_never_hides_an_earlier_parts_failure(
    provider: SmppProvider, smsc: FakeSmsc, reports: Reports
) -> None:
    result = await provider.send(sms(CYRILLIC))
    first, second = _smsc_ids(smsc)
    await smsc.receipt(first, "UNDELIV", err="001")
    await smsc.receipt(second, "DELIVRD")
    assert await _reported(reports, 1)
    await asyncio.sleep(0.2)  # nothing more arrives for this message
    assert [(r.provider_message_id, r.status) for r in reports] == [
        (result.provider_message_id, "undeliverable")
    ]


async def test_a_long_message_is_delivered_only_when_every_part_is(
    provider: SmppProvider, smsc: FakeSmsc, reports: Reports
) -> None:
    await provider.send(sms(CYRILLIC))
    first, second = _smsc_ids(smsc)
    await smsc.receipt(second, "DELIVRD")
    await asyncio.sleep(0.2)
    assert reports == []
    await smsc.receipt(first, "DELIVRD")
    assert await _reported(reports, 1)
    assert reports[0].status == "delivered"


async def test_a_lost_smsc_is_rebound_after_the_backoff(smsc: FakeSmsc) -> None:
    clock = MovableClock()
    config = SmppConfig("127.0.0.1", smsc.port, "school", "secret", submit_timeout=0.5)
    provider = SmppProvider(config, clock=clock)
    try:
        await provider.send(sms())
        await smsc.stop()
        await asyncio.sleep(0.3)  # the link notices it is gone
        with pytest.raises((SmsTemporaryFailure, SmsInDoubt)):
            await provider.send(sms(reference="n2"))
        await smsc.start()
        with pytest.raises(SmsTemporaryFailure, match="next bind"):
            await provider.send(sms(reference="n2"))  # still backing off: not even tried
        clock.advance(timedelta(minutes=3))
        await provider.send(sms(reference="n2"))
        assert smsc.binds == 2  # bound once before the outage, once after
    finally:
        await provider.close()


async def test_lookup_by_our_reference_is_unsupported(provider: SmppProvider) -> None:
    with pytest.raises(LookupUnsupported):
        await provider.lookup("n1")


async def _reported(reports: Reports, n: int) -> bool:
    async def arrived() -> bool:
        return len(reports) >= n

    return await wait_for(arrived, timeout=5)


def _smsc_ids(smsc: FakeSmsc) -> list[str]:
    ids = [p.message_id for p in smsc.submitted]
    assert None not in ids
    return [i for i in ids if i is not None]


async def test_a_cut_network_link_is_noticed_and_rebound_after_the_backoff(
    smsc: FakeSmsc,
) -> None:
    proxy = CuttableProxy(smsc.port)
    await proxy.start()
    clock = MovableClock()
    config = SmppConfig(
        "127.0.0.1", proxy.port, "school", "pw", submit_timeout=0.5, connect_timeout=1.0
    )
    provider = SmppProvider(config, clock=clock)
    try:
        await provider.send(sms())
        proxy.accepting = False
        proxy.cut()
        await asyncio.sleep(0.3)
        with pytest.raises(SmsTemporaryFailure, match="cannot bind"):
            await provider.send(sms(reference="n2"))  # the link is gone; so is the SMSC
        proxy.accepting = True
        with pytest.raises(SmsTemporaryFailure, match="next bind"):
            await provider.send(sms(reference="n2"))
        clock.advance(timedelta(seconds=2))
        await provider.send(sms(reference="n2"))
        assert smsc.binds == 2
    finally:
        await provider.close()
        await proxy.stop()
