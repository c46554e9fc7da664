"""What goes into `short_message` for each part of an SMS, as SMPP 3.4 wants it.

The parts are exactly those `gateways.sms.segments.split_parts` counts (what the parent is
charged for). GSM-7 texts go as data_coding 0, one unpacked septet per octet (the SMSC
packs them), extension characters as ESC + code; anything else as UCS-2 (data_coding 8,
UTF-16-BE). A text of more than one part carries a concatenation UDH (IEI 0x00, 8-bit
reference) and esm_class 0x40 (UDHI) on every part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gateways.sms.segments import encoding_of, split_parts

DATA_CODING_GSM7: Final = 0x00
DATA_CODING_UCS2: Final = 0x08
ESM_CLASS_UDHI: Final = 0x40
SINGLE_PART_OCTETS: Final = {True: 160, False: 140}  # 160 septets (GSM-7), 70 UCS-2 units

# GSM 03.38 basic table in code order; position = septet value (0x1B, ESC, is unused here).
_BASIC: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_BASIC_CODE: Final = {ch: i for i, ch in enumerate(_BASIC) if ch != "\x1b"}
_EXTENSION_CODE: Final = {
    "\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
    "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
}  # fmt: skip


@dataclass(frozen=True)
class SmppPart:
    short_message: bytes
    data_coding: int
    esm_class: int


def gsm7_octets(text: str) -> bytes:
    """Unpacked GSM 03.38 septets; raises ValueError for a character outside the alphabet."""
    out = bytearray()
    for ch in text:
        if ch in _BASIC_CODE:
            out.append(_BASIC_CODE[ch])
        elif ch in _EXTENSION_CODE:
            out += bytes((0x1B, _EXTENSION_CODE[ch]))
        else:
            raise ValueError(f"{ch!r} is not in the GSM 03.38 alphabet")
    return bytes(out)


def _udh(reference: int, total: int, number: int) -> bytes:
    return bytes((0x05, 0x00, 0x03, reference & 0xFF, total, number))


def smpp_parts(text: str, reference: int) -> list[SmppPart]:
    """The submit_sm payloads for `text`; `reference` ties the parts of one message together."""
    gsm = encoding_of(text) == "GSM-7"
    coding = DATA_CODING_GSM7 if gsm else DATA_CODING_UCS2
    whole = gsm7_octets(text) if gsm else text.encode("utf-16-be")
    if len(whole) <= SINGLE_PART_OCTETS[gsm]:  # fits one part: split_parts would say so, slower
        return [SmppPart(whole, coding, 0)]
    bodies = [gsm7_octets(p) if gsm else p.encode("utf-16-be") for p in split_parts(text)]
    if len(bodies) == 1:
        return [SmppPart(bodies[0], coding, 0)]
    total = len(bodies)
    return [
        SmppPart(_udh(reference, total, n) + body, coding, ESM_CLASS_UDHI)
        for n, body in enumerate(bodies, start=1)
    ]
