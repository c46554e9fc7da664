"""The Mobizon provider against a local server that follows Mobizon's documented HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateways.sms import (
    LookupUnsupported,
    OutgoingSms,
    SmsInDoubt,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.mobizon import MobizonConfig, MobizonProvider
from tests.fakes.mobizon import FakeMobizon

pytest_plugins = ("tests.fakes.fixtures",)


def sms(
    phone: str = "+77011234567", body: str = "Үй жұмысы: 42-бет", sender: str = "eMektep"
) -> OutgoingSms:
    return OutgoingSms("n1", phone, body, 1, "UCS-2", 20_00, "KZT", sender)


@pytest.fixture
async def provider(mobizon: FakeMobizon) -> AsyncIterator[MobizonProvider]:
    p = MobizonProvider(MobizonConfig(mobizon.api_key, mobizon.url, timeout=1.0))
    yield p
    await p.close()


async def test_an_sms_is_handed_over_and_known_by_mobizons_message_id(
    provider: MobizonProvider, mobizon: FakeMobizon
) -> None:
    result = await provider.send(sms())
    [sent] = mobizon.messages.values()
    assert (sent.recipient, sent.text, sent.sender) == (
        "77011234567",
        "Үй жұмысы: 42-бет",
        "eMektep",
    )
    assert (result.provider_message_id, result.provider) == (str(sent.id), "mobizon")


@pytest.mark.parametrize(
    ("given", "field"),
    [({"phone": "+7701"}, "recipient"), ({"body": ""}, "text"), ({"sender": "Nobody"}, "from")],
)
async def test_validation_errors_are_permanent_refusals(
    provider: MobizonProvider, given: dict[str, str], field: str
) -> None:
    with pytest.raises(SmsRejected, match="code 1") as caught:
        await provider.send(sms(**given))
    assert field in caught.value.response


@pytest.mark.parametrize("mode", ["throttled", "unavailable"])
async def test_mobizons_rate_limit_and_outages_are_retried_later(
    provider: MobizonProvider, mobizon: FakeMobizon, mode: str
) -> None:
    mobizon.mode = mode
    with pytest.raises(SmsTemporaryFailure):
        await provider.send(sms())
    assert mobizon.messages == {}


async def test_a_refused_api_key_is_temporary_so_routing_can_fail_over(
    mobizon: FakeMobizon,
) -> None:
    p = MobizonProvider(MobizonConfig("x" * 40, mobizon.url))
    try:
        with pytest.raises(SmsTemporaryFailure, match="code 8"):
            await p.send(sms())
    finally:
        await p.close()


@pytest.mark.parametrize("mode", ["silent", "accept_then_drop", "broken"])
async def test_a_lost_answer_or_an_unexplained_error_is_in_doubt(
    provider: MobizonProvider, mobizon: FakeMobizon, mode: str
) -> None:
    mobizon.mode = mode
    with pytest.raises(SmsInDoubt):
        await provider.send(sms())


async def test_a_provider_that_cannot_be_reached_certainly_has_nothing() -> None:
    p = MobizonProvider(MobizonConfig("k" * 40, "http://127.0.0.1:9"))
    try:
        with pytest.raises(SmsTemporaryFailure, match="cannot connect"):
            await p.send(sms())
    finally:
        await p.close()


async def test_statuses_are_read_by_mobizons_ids_and_normalised(
    provider: MobizonProvider, mobizon: FakeMobizon
) -> None:
    first = await provider.send(sms())
    second = await provider.send(sms())
    mobizon.messages[int(first.provider_message_id)].status = "DELIVRD"
    mobizon.messages[int(second.provider_message_id)].status = "EXPIRED"
    found = await provider.statuses([first.provider_message_id, second.provider_message_id, "9"])
    assert found == {first.provider_message_id: "delivered", second.provider_message_id: "expired"}


async def test_lookup_by_our_reference_is_unsupported(provider: MobizonProvider) -> None:
    with pytest.raises(LookupUnsupported):
        await provider.lookup("n1")
