"""A parent's message to our sender over SMPP (a deliver_sm that is not a receipt) reaches the
provider's `on_incoming`, decoded, from the phone that sent it; receipts still do not."""

from __future__ import annotations

import smpp34

from gateways.sms import OutgoingSms
from gateways.sms.incoming import Incoming, decode_short_message
from gateways.sms.reports import Report
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.smsc import FakeSmsc
from tests.support import MovableClock, wait_for

pytest_plugins = ("tests.fakes.fixtures",)


class Inbox(list[Incoming]):
    async def __call__(self, message: Incoming) -> None:
        self.append(message)


async def _ignore(report: Report) -> None:
    return None


async def test_a_stop_reply_in_ucs2_reaches_on_incoming(smsc: FakeSmsc) -> None:
    inbox = Inbox()
    config = SmppConfig("127.0.0.1", smsc.port, "school", "pw")
    provider = SmppProvider(config, on_report=_ignore, on_incoming=inbox, clock=MovableClock())
    try:
        # Binds the session, over which the SMSC then delivers.
        await provider.send(
            OutgoingSms(reference="n1", phone="+77011234567", body="Hi", parts=1,
                        encoding="GSM-7", price=20_00, currency="KZT", sender="eMektep")
        )  # fmt: skip
        esme = list(smsc._sessions.values())[-1]
        await esme.deliver_sm(
            "eMektep", "СТОП".encode("utf-16-be"), source_addr="77011234567", data_coding=8
        )
        await smsc.receipt("000000A1", "DELIVRD")  # a receipt is not a parent's message
        payload = smpp34.Tlv(0x0424, b"stop")  # the text in message_payload instead
        await esme.deliver_sm("eMektep", b"", source_addr="996555123456", tlvs=[payload])

        async def arrived() -> bool:
            return len(inbox) >= 2

        assert await wait_for(arrived, timeout=5)
    finally:
        await provider.close()
    assert [(m.provider, m.phone, m.text) for m in inbox] == [
        ("smpp", "+77011234567", "СТОП"),
        ("smpp", "+996555123456", "stop"),
    ]


def test_default_alphabet_texts_are_read_as_latin() -> None:
    assert decode_short_message(0, b"STOP") == "STOP"
    assert decode_short_message(8, "Токтот".encode("utf-16-be")) == "Токтот"
