"""Parents' mobile numbers: normalise what people type to E.164, and mask them for logs.

Only Kazakhstan and Kyrgyzstan mobiles are served. +7 is shared with Russia, so the region
comes from the phonenumbers metadata, never from the country code alone. A number pasted as
an RFC 3966 ``tel:`` link (``tel:+7-701-123-45-67``, what a link or a contact card copies) is
read as the number it names.
"""

import re
from typing import Final, Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

Region = Literal["KZ", "KG"]
RejectionCode = Literal["not_a_phone_number", "not_mobile", "not_kz_kg"]

_REGIONS: Final[tuple[Region, ...]] = ("KZ", "KG")
_MOBILE_TYPES: Final = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_REASONS: Final[dict[RejectionCode, str]] = {
    "not_a_phone_number": "This does not look like a phone number.",
    "not_mobile": "This is not a mobile number; SMS can only be sent to a mobile phone.",
    "not_kz_kg": "This is not a Kazakhstan or Kyrgyzstan mobile number.",
}
# Worst to best: the rejection reported is the most specific one any region reading reached.
_RANK: Final[tuple[RejectionCode, ...]] = ("not_a_phone_number", "not_kz_kg", "not_mobile")
# Shown in masks: country code, the 3-digit operator code and the last 2 digits.
_OPERATOR_DIGITS: Final = 3
_TAIL_DIGITS: Final = 2


class InvalidPhoneNumber(ValueError):
    """A number that cannot receive our SMS; ``reason`` is shown to the parent."""

    def __init__(self, code: RejectionCode) -> None:
        self.code: RejectionCode = code  # stable key, for the API layer to translate
        self.reason: str = _REASONS[code]
        super().__init__(self.reason)


def _parse(raw: str, region: str | None) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException:
        return None


def _judge(number: PhoneNumber | None) -> RejectionCode | None:
    """None when the number is an accepted mobile, else why it is rejected."""
    if number is not None and phonenumbers.region_code_for_number(number) in _REGIONS:
        # The usual case, in one match of the number's patterns instead of three: for a
        # number of the region its country code gives, valid means of a known type.
        kind = phonenumbers.number_type(number)
        if kind in _MOBILE_TYPES:
            return None
        return "not_a_phone_number" if kind == PhoneNumberType.UNKNOWN else "not_mobile"
    if number is None or not phonenumbers.is_valid_number(number):
        return "not_a_phone_number"
    if phonenumbers.region_code_for_number(number) not in _REGIONS:
        return "not_kz_kg"
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return "not_mobile"
    return None


# The usual spellings of a KZ or KG mobile, spaces, hyphens and brackets aside: "+7 7xx…",
# "8 7xx…" (the Kazakh trunk prefix) and "+996 …". phonenumbers' parser costs more than all
# the rest of an import row's checks; these need none of it (see _usual_mobile).
_SEPARATORS: Final = str.maketrans("", "", " -()")
_USUAL: Final = re.compile(r"\+7(7[0-9]{9})|8(7[0-9]{9})|\+996([1-9][0-9]{8})")


def _usual_mobile(raw: str, default_region: Region | None) -> str | None:
    """The E.164 form of a number in one of the usual spellings that the full reading would
    accept (the same number, judged the same way), else None: the full reading decides."""
    match = _USUAL.fullmatch(raw.translate(_SEPARATORS))
    if match is None or (match[2] and default_region == "KG"):  # KG reads "8…" first
        return None
    national = match[1] or match[2]
    number = PhoneNumber(
        country_code=7 if national else 996, national_number=int(national or match[3])
    )
    if _judge(number) is not None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_mobile(raw: str, *, default_region: Region | None = None) -> str:
    """E.164 form of a KZ/KG mobile number typed in any usual local or international way.

    Readings are tried with ``default_region`` first, then KZ, then KG; the old Kazakh
    trunk prefix ("8 701 ...") is handled by phonenumbers' KZ metadata.
    Raises InvalidPhoneNumber with the most specific reason found. Letters are refused:
    phonenumbers would map them as on a keypad ("8 701 ABC ..."), reaching a stranger.
    """
    return _usual_mobile(raw, default_region) or _read_mobile(raw, default_region)


def _read_mobile(raw: str, default_region: Region | None) -> str:
    """normalize_mobile by phonenumbers' full reading."""
    digits = _tel_number(raw)
    if any(ch.isalpha() for ch in digits):
        raise InvalidPhoneNumber("not_a_phone_number")
    worst: RejectionCode = "not_a_phone_number"
    regions = [default_region] if default_region else []
    for region in [*regions, *(r for r in _REGIONS if r != default_region)]:
        number = _parse(digits, region)
        rejection = _judge(number)
        if number is not None and rejection is None:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if rejection is not None and _RANK.index(rejection) > _RANK.index(worst):
            worst = rejection
    raise InvalidPhoneNumber(worst)


def _tel_number(raw: str) -> str:
    """The number of a ``tel:`` URI without its parameters (``;ext=``, ``;phone-context=``:
    an SMS reaches neither), else ``raw`` as typed."""
    text = raw.strip()
    if text[:4].lower() != "tel:":
        return raw
    return text[4:].split(";", 1)[0]


def phone_country(e164: str) -> Region:
    """Country of an already-normalised number (E.164, leading "+")."""
    number = _parse(e164, None) if e164.startswith("+") else None
    rejection = _judge(number)
    if number is None or rejection == "not_a_phone_number":
        raise InvalidPhoneNumber("not_a_phone_number")
    for region in _REGIONS:
        if phonenumbers.region_code_for_number(number) == region:
            return region
    raise InvalidPhoneNumber("not_kz_kg")


def mask_phone(e164: str) -> str:
    """Log-safe form: "+77011234567" -> "+7701*****67", "+996555123456" -> "+996555****56".

    Reveals at most the country code, the operator code and the last 2 digits; anything
    unparseable or too short to mask that way is masked completely.
    """
    number = _parse(e164, None) if e164.startswith("+") else None
    if number is None:
        return "+***"
    national = phonenumbers.national_significant_number(number)
    hidden = len(national) - _OPERATOR_DIGITS - _TAIL_DIGITS
    if hidden < 4:
        return f"+{number.country_code}" + "*" * len(national)
    shown = national[:_OPERATOR_DIGITS]
    return f"+{number.country_code}{shown}" + "*" * hidden + national[-_TAIL_DIGITS:]
