"""Freedom Pay's pg_sig, checked against the documented example and an independent signer."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from gateways.payments import InvalidEvent
from gateways.payments import freedompay_signature as sig
from gateways.payments.freedompay_status import GATEWAY_TZ, major, minor, transactions
from tests.freedompay_fake import signed_xml


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def test_the_documented_init_payment_example_signs_as_documented() -> None:
    fields = [("pg_order_id", "23"), ("pg_merchant_id", "545084"), ("pg_amount", "25"),
              ("pg_description", "test"), ("pg_salt", "molbulak")]  # fmt: skip
    expected = md5("init_payment.php;25;test;545084;23;molbulak;secret")
    assert sig.sign("init_payment.php", fields, "secret") == expected


def test_pg_sig_itself_is_left_out_and_a_changed_value_fails_verification() -> None:
    fields = [("pg_amount", "25"), ("pg_salt", "abc")]
    signed = sig.signed("result", fields, "secret")
    assert sig.verify("result", signed, "secret")
    tampered = [("pg_amount", "2500"), *signed[1:]]
    assert not sig.verify("result", tampered, "secret")
    assert not sig.verify("other_script", signed, "secret")


def test_the_script_name_is_the_last_path_segment_without_the_query() -> None:
    assert sig.script_name("https://x.kz/payments/freedompay/result?a=1") == "result"
    assert sig.script_name("https://api.freedompay.kz/init_payment.php") == "init_payment.php"


def test_nested_form_fields_are_signed_recursively_with_indexes_in_number_order() -> None:
    pairs = [(f"pg_items[{i}][name]", f"n{i}") for i in (2, 10)] + [
        ("pg_items[2][count]", "1"),
        ("pg_amount", "5"),
    ]
    fields = sig.from_form(pairs)
    assert sig.sign("s", fields, "k") == md5("s;5;1;n2;n10;k")


def test_a_reply_signed_by_the_fake_gateway_verifies_including_nested_refunds() -> None:
    refund = [("pg_payment_id", "9"), ("pg_payment_status", "success"), ("pg_amount", "-1")]
    tags = [("pg_status", "ok"), ("pg_refund_payments", [("pg_refund_payment", refund)] * 2)]
    reply = sig.parse_xml(signed_xml("get_status3.php", tags, "secret"))
    assert sig.verify("get_status3.php", reply, "secret")
    assert not sig.verify("get_status3.php", reply, "another secret")


def test_our_answer_to_a_result_call_is_signed_xml_echoing_the_salt() -> None:
    text = sig.to_xml(sig.signed("result", [("pg_status", "ok"), ("pg_salt", "s1")], "k"))
    answer = sig.parse_xml(text)
    assert sig.field(answer, "pg_salt") == "s1"
    assert sig.verify("result", answer, "k")


def test_amounts_convert_between_major_and_minor_units_exactly() -> None:
    assert major(50000, "KZT") == "500.00"
    assert minor("500.00", "KZT") == 50000
    assert minor("25", "KGS") == 2500
    with pytest.raises(InvalidEvent):
        minor("1.005", "KZT")
    with pytest.raises(InvalidEvent):
        minor("ten", "KZT")


def test_a_status_reply_lists_the_payment_and_its_refunds_in_minor_units() -> None:
    reply: sig.Fields = [
        ("pg_amount", "100.00"), ("pg_currency", "KZT"), ("pg_payment_status", "success"),
        ("pg_payment_date", "2025-03-01 10:00:00"),
        ("pg_refund_payments", [("pg_refund_payment", [
            ("pg_payment_id", "r1"), ("pg_payment_status", "success"), ("pg_amount", "-40.00"),
            ("pg_payment_date", "2025-03-02 11:00:00"),
        ])]),
    ]  # fmt: skip
    payment, refund = transactions("p1", reply)
    assert (payment.kind, payment.amount) == ("payment", 100_00)
    assert payment.occurred_at == datetime(2025, 3, 1, 10, tzinfo=GATEWAY_TZ)
    assert (refund.kind, refund.reference, refund.amount) == ("refund", "r1", 40_00)
