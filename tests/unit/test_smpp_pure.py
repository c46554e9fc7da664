"""SMPP pieces without a socket: septets, receipt texts, ids in two bases, per-part verdicts."""

from __future__ import annotations

import asyncio

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec, the reference we agree with
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateways.sms.segments import GSM7_BASIC, GSM7_EXTENSION, count_parts
from gateways.sms.smpp_encoding import gsm7_octets, smpp_parts
from gateways.sms.smpp_inbound import InboundQueue
from gateways.sms.smpp_pending import PendingParts
from gateways.sms.smpp_receipts import (
    MemoryParts,
    Receipt,
    id_candidates,
    parse_receipt,
    untracked_id,
)


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=200))
def test_gsm7_octets_agree_with_the_gsm0338_codec(text: str) -> None:
    assert gsm7_octets(text) == text.encode("gsm03.38")


@given(st.text(max_size=400))
def test_there_are_exactly_as_many_smpp_parts_as_the_parent_paid_for(text: str) -> None:
    assert len(smpp_parts(text, reference=7)) == count_parts(text).parts


def test_a_cyrillic_char_outside_gsm7_is_refused_by_the_septet_encoder() -> None:
    with pytest.raises(ValueError, match="not in the GSM"):
        gsm7_octets("Сәлем")


def test_a_receipt_is_read_from_its_text() -> None:
    text = b"id:0000A1 sub:001 dlvrd:000 submit date:2612011200 done date:2612011201 stat:EXPIRED"
    receipt = parse_receipt(text + b" err:012 text:", None, None)
    assert receipt is not None
    assert (receipt.message_id, receipt.status) == ("0000A1", "expired")
    assert "err:012" in receipt.detail


def test_receipt_tlvs_win_over_the_text() -> None:
    receipt = parse_receipt(b"id:1 stat:DELIVRD", "00B7", 5)
    assert receipt is not None
    assert (receipt.message_id, receipt.status) == ("00B7", "undeliverable")


def test_a_receipt_id_is_tried_as_written_and_in_the_other_base() -> None:
    assert id_candidates("000000A1") == ["a1", "161"]
    assert id_candidates("161") == ["161", "a1", "353"]


async def test_parts_decide_a_message_first_failure_wins_and_success_needs_every_part() -> None:
    parts = MemoryParts()
    await parts.register("smpp", ["a1", "a2", "a3"])
    assert await parts.receipt("smpp", "A2", "delivered") == ("a1", None)
    assert await parts.receipt("smpp", "163", "expired") == ("a1", "expired")  # a3 in decimal
    assert await parts.receipt("smpp", "a1", "delivered") == ("a1", None)  # decided already
    assert await parts.receipt("smpp", "b1", "delivered") is None  # not a registered message


async def test_the_memory_store_forgets_the_oldest_message_beyond_its_capacity() -> None:
    parts = MemoryParts(capacity=1)
    await parts.register("smpp", ["a1", "a2"])
    await parts.register("smpp", ["b1", "b2"])
    assert await parts.receipt("smpp", "a1", "delivered") is None
    assert await parts.receipt("smpp", "B2", "delivered") == ("b1", None)


def test_a_one_part_receipt_id_is_read_in_the_base_the_smsc_uses() -> None:
    assert untracked_id("000000A1", "same") == "a1"
    assert untracked_id("161", "decimal_of_hex") == "a1"
    assert untracked_id("A1", "hex_of_decimal") == "161"


def test_a_part_receipt_waits_for_its_long_sms_and_a_stray_one_for_the_sends_before_it() -> None:
    pending = PendingParts()
    one = pending.start()
    pending.note("a1")
    part = Receipt("A1", "delivered", "")
    stray = Receipt("b7", "delivered", "")  # maybe a part whose answer is not noted yet
    assert pending.hold(part)
    assert pending.hold(stray)
    two = pending.start()  # began after the stray receipt came: not waited for
    assert pending.finish(one, ["a1", "a2"]) == [part, stray]
    assert pending.hold(Receipt("c1", "delivered", ""))  # `two` is still being sent
    assert pending.finish(two, ["d1", "d2"]) == [Receipt("c1", "delivered", "")]
    assert not pending.hold(Receipt("e1", "delivered", ""))  # no long SMS in flight: judge now


async def test_the_inbound_queue_keeps_one_messages_order_and_lets_others_pass() -> None:
    handled: list[str] = []
    first_is_slow = asyncio.Event()

    async def handle(item: tuple[str, str]) -> None:
        _, name = item
        if name == "a-first":
            await first_is_slow.wait()  # a slow database round trip for this one
        handled.append(name)
        if name == "b":
            first_is_slow.set()  # another message's item overtook it

    queue: InboundQueue[tuple[str, str]] = InboundQueue(handle, lambda i: [i[0]], "t")
    for item in (("a", "a-first"), ("b", "b"), ("a", "a-second")):
        queue.put(item)
    await queue.close()
    assert handled == ["b", "a-first", "a-second"]
