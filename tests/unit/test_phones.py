"""Normalising what parents type into E.164 KZ/KG mobile numbers, and masking for logs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.sms import phones
from notifier.sms.phones import (
    InvalidPhoneNumber,
    Region,
    RejectionCode,
    mask_phone,
    normalize_mobile,
    phone_country,
)


@pytest.mark.parametrize(
    ("raw", "default_region", "expected"),
    [
        ("8 701 123 45 67", None, "+77011234567"),
        ("8(701)1234567", None, "+77011234567"),
        ("+7 (701) 123-45-67", None, "+77011234567"),
        ("7011234567", None, "+77011234567"),
        ("87011234567", None, "+77011234567"),
        ("77011234567", None, "+77011234567"),
        ("+7 747 123 45 67", "KG", "+77471234567"),
        ("8 701 123 45 67", "KG", "+77011234567"),  # KG reading fails, KZ reading wins
        ("0555 123 456", None, "+996555123456"),
        ("+996 555 123 456", None, "+996555123456"),
        ("996555123456", None, "+996555123456"),
        ("0700 123 456", "KG", "+996700123456"),
        ("555 123 456", None, "+996555123456"),
        # RFC 3966 tel: links, as a link or a contact card pastes them.
        ("tel:+7-701-123-45-67", None, "+77011234567"),
        (" TEL:+996-555-123-456 ", None, "+996555123456"),
        ("tel:8-701-123-45-67;phone-context=+7", None, "+77011234567"),
    ],
)
def test_accepted_formats(raw: str, default_region: Region | None, expected: str) -> None:
    assert normalize_mobile(raw, default_region=default_region) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("hello", "not_a_phone_number"),
        ("", "not_a_phone_number"),
        ("123", "not_a_phone_number"),
        ("8 701 123 45", "not_a_phone_number"),
        ("+7 727 258 00 00", "not_mobile"),  # Almaty landline
        ("8 727 258 00 00", "not_mobile"),
        ("+996 312 123 456", "not_mobile"),  # Bishkek landline
        ("+7 912 345 67 89", "not_kz_kg"),  # Russian mobile, same +7
        ("8 912 345 67 89", "not_kz_kg"),  # Russian mobile typed the Kazakh way
        ("89123456789", "not_kz_kg"),
        ("+7 495 123 45 67", "not_kz_kg"),  # Moscow landline: the country is what is wrong
        ("+998 90 123 45 67", "not_kz_kg"),  # Uzbekistan
        ("+1 650 253 0000", "not_kz_kg"),
        # Letters are not keypad-mapped to a stranger's number (+7 701 222 3334).
        ("8 701 ABC DE FG", "not_a_phone_number"),
        ("+7 701 222 33 3д", "not_a_phone_number"),
        ("8 701 123 45 67 ext 5", "not_a_phone_number"),
        ("tel:+7-912-345-67-89", "not_kz_kg"),  # a tel: link is judged as its number
        ("tel:+7-701-ABC-45-67", "not_a_phone_number"),
        ("tel:", "not_a_phone_number"),
    ],
)
def test_rejections_carry_a_specific_reason(raw: str, code: RejectionCode) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_mobile(raw)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == caught.value.reason


def test_reasons_are_distinct_plain_sentences() -> None:
    reasons = {
        InvalidPhoneNumber(code).reason
        for code in ("not_a_phone_number", "not_mobile", "not_kz_kg")
    }
    assert len(reasons) == 3
    assert "Kazakhstan or Kyrgyzstan" in InvalidPhoneNumber("not_kz_kg").reason


@pytest.mark.parametrize(
    ("e164", "country"),
    [("+77011234567", "KZ"), ("+77272580000", "KZ"), ("+996555123456", "KG")],
)
def test_phone_country(e164: str, country: Region) -> None:
    assert phone_country(e164) == country


@pytest.mark.parametrize(
    ("e164", "code"),
    [
        ("+79123456789", "not_kz_kg"),
        ("77011234567", "not_a_phone_number"),
        ("+7", "not_a_phone_number"),
    ],
)
def test_phone_country_rejects_others(e164: str, code: RejectionCode) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        phone_country(e164)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+77011234567", "+7701*****67"),
        ("+996555123456", "+996555****56"),
        ("+7 701 123 45 67", "+7701*****67"),
        ("77011234567", "+***"),  # not E.164: nothing is revealed
        ("garbage", "+***"),
        ("+7123", "+7***"),  # too short to mask the usual way
    ],
)
def test_mask_phone(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


OPERATORS = [("+7701", 7), ("+7747", 7), ("+7777", 7), ("+996555", 6), ("+996700", 6)]


@given(st.sampled_from(OPERATORS), st.integers(min_value=0, max_value=10**7 - 1))
def test_mask_never_reveals_more_than_prefix_and_last_two(
    operator: tuple[str, int], n: int
) -> None:
    prefix, width = operator
    e164 = prefix + str(n).zfill(7)[-width:]
    masked = mask_phone(e164)
    assert masked == prefix + "*" * (width - 2) + e164[-2:]


_USUAL_SPELLINGS = st.from_regex(
    r"\A(\+7 ?\(?7|8 ?\(?7|\+996 ?\(?[0-9])[0-9]{2}\)?[ -]?[0-9]{3}[ -]?[0-9]{2}[ -]?[0-9]{1,3}\Z"
)


@given(_USUAL_SPELLINGS, st.sampled_from([None, "KZ", "KG"]))
@settings(max_examples=1000)
def test_a_usual_spelling_read_without_the_parser_gives_what_the_full_reading_gives(
    raw: str, default_region: Region | None
) -> None:
    try:
        full: str | None = phones._read_mobile(raw, default_region)
    except InvalidPhoneNumber:
        full = None
    assert phones._usual_mobile(raw, default_region) in (None, full)


def test_the_usual_spellings_of_a_mobile_need_no_parser() -> None:
    assert phones._usual_mobile("+7 (701) 123-45-67", None) == "+77011234567"
    assert phones._usual_mobile("8 701 123 45 67", "KZ") == "+77011234567"
    assert phones._usual_mobile("+996 555 123 456", None) == "+996555123456"
    assert phones._usual_mobile("8 701 123 45 67", "KG") is None  # KG's reading comes first
