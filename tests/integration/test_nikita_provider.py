"""The Nikita provider against a local server that follows smspro.nikita.kg's XML API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from gateways.sms import OutgoingSms, SmsInDoubt, SmsRejected, SmsTemporaryFailure
from gateways.sms.nikita import NikitaConfig, NikitaProvider, poll_reports
from gateways.sms.nikita_xml import nikita_id
from tests.fakes.nikita import FakeNikita
from tests.support import MovableClock

pytest_plugins = ("tests.fakes.fixtures",)


def sms(reference: str = "n1234567", phone: str = "+996555123456") -> OutgoingSms:
    return OutgoingSms(reference, phone, "Үй тапшырмасы: 42-бет", 1, "UCS-2", 3_00, "KGS",
                       "eMektep")  # fmt: skip


def config(nikita: FakeNikita, **changes: object) -> NikitaConfig:
    given: dict[str, object] = {
        "login": nikita.login,
        "password": nikita.password,
        "sender": "eMektep",
        "base_url": nikita.url,
        "timeout": 1.0,
    }
    given.update(changes)  # fmt: skip
    return NikitaConfig(**given)  # type: ignore[arg-type]


@pytest.fixture
async def provider(nikita: FakeNikita) -> AsyncIterator[NikitaProvider]:
    p = NikitaProvider(config(nikita), clock=MovableClock(datetime(2026, 12, 1, tzinfo=UTC)))
    yield p
    await p.close()


def test_our_ids_are_short_stable_and_latin() -> None:
    assert nikita_id("n1234567") == "nqglj"
    assert nikita_id("n1234567") == nikita_id("n1234567")
    assert len(nikita_id("n" + "9" * 13, prefix="st")) == 12  # ten trillion notifications
    assert len(nikita_id("low-balance:parent-42:2026-12")) == 12
    with pytest.raises(ValueError, match="not a Nikita message id"):
        nikita_id("n" + "9" * 30)


async def test_an_sms_is_sent_under_an_id_derived_from_our_reference(
    provider: NikitaProvider, nikita: FakeNikita
) -> None:
    result = await provider.send(sms())
    assert (result.provider_message_id, result.provider) == ("nqglj", "nikita")
    assert nikita.messages["nqglj"].phone == "996555123456"
    assert nikita.messages["nqglj"].text == "Үй тапшырмасы: 42-бет"


async def test_a_resend_after_a_lost_answer_is_deduplicated_by_nikita(
    provider: NikitaProvider, nikita: FakeNikita
) -> None:
    nikita.mode = "accept_then_drop"
    with pytest.raises(SmsInDoubt):
        await provider.send(sms())
    nikita.mode = "normal"
    assert await provider.lookup("n1234567") is not None  # the in-doubt send is resolved
    again = await provider.send(sms())  # Nikita refuses the repeated id: it has it
    assert again.provider_message_id == "nqglj"
    assert len(nikita.messages) == 1


async def test_lookup_says_none_for_a_message_nikita_never_took(provider: NikitaProvider) -> None:
    assert await provider.lookup("n99") is None


@pytest.mark.parametrize(
    ("changes", "phone", "error"),
    [
        ({}, "+996555", SmsRejected),  # bad number
        ({"test": True}, "+996555123456", SmsRejected),  # test mode: never sent
        ({"password": "wrong"}, "+996555123456", SmsTemporaryFailure),
        ({"sender": "Unknown"}, "+996555123456", SmsTemporaryFailure),
    ],
)
async def test_nikitas_statuses_map_to_what_the_dispatcher_may_do(
    nikita: FakeNikita, changes: dict[str, object], phone: str, error: type[Exception]
) -> None:
    p = NikitaProvider(config(nikita, **changes))
    try:
        with pytest.raises(error):
            await p.send(sms(phone=phone))
    finally:
        await p.close()


async def test_an_outage_is_temporary_and_silence_is_in_doubt(
    provider: NikitaProvider, nikita: FakeNikita
) -> None:
    nikita.mode = "unavailable"
    with pytest.raises(SmsTemporaryFailure):
        await provider.send(sms())
    nikita.mode = "silent"
    with pytest.raises(SmsInDoubt):
        await provider.send(sms())


async def test_the_poller_reads_reports_by_id_in_one_status_model(
    provider: NikitaProvider, nikita: FakeNikita
) -> None:
    delivered = await provider.send(sms("n1"))
    failed = await provider.send(sms("n2"))
    waiting = await provider.send(sms("n3"))
    nikita.messages[delivered.provider_message_id].report = 3
    nikita.messages[delivered.provider_message_id].rcv_time = "20261201183000"
    nikita.messages[failed.provider_message_id].report = 4
    nikita.messages[waiting.provider_message_id].report = 1
    ids = [r.provider_message_id for r in (delivered, failed, waiting)] + ["nzzz"]
    reports = await poll_reports(provider, ids)
    assert [(r.provider_message_id, r.status, r.final_status) for r in reports] == [
        ("n1", "delivered", "delivered"),
        ("n2", "undeliverable", "undeliverable"),
        ("n3", "submitted", None),
    ]
    assert reports[0].at == datetime(2026, 12, 1, 12, 30, tzinfo=UTC)  # 18:30 in Bishkek
