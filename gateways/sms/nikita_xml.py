"""Nikita (smspro.nikita.kg) XML documents, built and read without I/O.

Send: `<message><login/><pwd/><id/><sender/><text/><phones><phone/></phones></message>` to
/api/message; answer `<response><id/><status/><phones/><smscnt/></response>`. Report:
`<dr><login/><pwd/><id/></dr>` to /api/dr; answer `<response><status/><phone><number/>
<report/><sendTime/><rcvTime/></phone>...</response>`, times as yyyyMMddHHmmss, Bishkek time.

Our message ids: Nikita takes an id of up to 12 latin letters and digits and blocks any second
send with an id it has seen (status 10). The id is derived from our reference ("n<notification
id>" -> "n" + base 36 of the number, prefixed by NIKITA_ID_PREFIX), so a re-send after a crash
carries the same id: Nikita refuses the duplicate and the report request finds the original.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # building only; parsing goes through defusedxml
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from defusedxml.ElementTree import fromstring

MAX_ID: Final = 12
BISHKEK: Final = ZoneInfo("Asia/Bishkek")
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_OURS: Final = re.compile(r"n(\d+)")


def base36(n: int) -> str:
    out = ""
    while True:
        n, digit = divmod(n, 36)
        out = _DIGITS[digit] + out
        if n == 0:
            return out


def nikita_id(reference: str, prefix: str = "") -> str:
    """The same reference always gives the same id, never longer than 12 characters."""
    ours = _OURS.fullmatch(reference)
    if ours:
        body = "n" + base36(int(ours[1]))
    else:  # not a notification reference: a stable hash of it, cut to fit
        digest = int.from_bytes(hashlib.sha256(reference.encode()).digest()[:8], "big")
        body = ("h" + base36(digest))[: MAX_ID - len(prefix)]
    message_id = prefix + body
    if len(message_id) > MAX_ID or not message_id.isalnum() or not message_id.isascii():
        raise ValueError(f"{message_id!r} is not a Nikita message id (<= 12 latin letters/digits)")
    return message_id


def _document(root: str, fields: dict[str, str], phones: list[str] | None = None) -> bytes:
    element = ET.Element(root)
    for name, value in fields.items():
        ET.SubElement(element, name).text = value
    if phones is not None:
        holder = ET.SubElement(element, "phones")
        for phone in phones:
            ET.SubElement(holder, "phone").text = phone
    return bytes(ET.tostring(element, encoding="utf-8", xml_declaration=True))


def send_document(login: str, pwd: str, message_id: str, sender: str, text: str,
                  phone: str, *, test: bool = False) -> bytes:  # fmt: skip
    fields = {"login": login, "pwd": pwd, "id": message_id, "sender": sender, "text": text}
    if test:
        fields["test"] = "1"
    return _document("message", fields, [phone.removeprefix("+")])


def report_document(login: str, pwd: str, message_id: str) -> bytes:
    return _document("dr", {"login": login, "pwd": pwd, "id": message_id})


@dataclass(frozen=True)
class PhoneReport:
    number: str
    report: int
    received_at: datetime | None


def status_of(answer: bytes) -> int:
    """The <status> of any Nikita answer; ValueError when the answer is not one."""
    found = fromstring(answer).findtext("status")
    if found is None or not found.strip().isdigit():
        raise ValueError("no <status> in Nikita's answer")
    return int(found)


def phone_reports(answer: bytes) -> list[PhoneReport]:
    return [
        PhoneReport(
            number=(phone.findtext("number") or "").strip(),
            report=int((phone.findtext("report") or "6").strip()),
            received_at=_time(phone.findtext("rcvTime")),
        )
        for phone in fromstring(answer).iter("phone")
    ]


def _time(value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    return datetime.strptime(value.strip(), "%Y%m%d%H%M%S").replace(tzinfo=BISHKEK)
