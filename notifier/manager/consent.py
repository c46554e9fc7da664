"""Consent records: written consent to notification SMS (required in Kazakhstan).

Every change of a subscription appends who made it, when, from where (IP, User-Agent) and
what was agreed (types, phone, language). A change the core e-school system makes through the
internal API records the consent it asserts instead: who gave it, when and its source (a
signed form, the diary app). Records are never changed; school staff export them per phone
for the pupils of their own school.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from datetime import datetime
from typing import Literal

from billing.types import Conn

Action = Literal["subscribe", "update", "unsubscribe", "one-click-unsubscribe", "sms-stop"]
LINK_ACTOR = "unsubscribe-link"
_MAX_USER_AGENT = 512
# Spreadsheets run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Origin:
    """Who made a change and from where."""

    actor: str  # the token's subject, or LINK_ACTOR, or who the core system says consented
    ip: str | None
    user_agent: str | None
    source: str | None = None  # where consent was given, as the core system asserts it
    given_at: datetime | None = None  # when, if not at the change itself


@dataclass(frozen=True)
class ConsentRecord:
    recorded_at: datetime
    action: str
    parent_id: str
    pupil_id: str
    phone: str | None
    types: list[str]
    language: str
    actor: str
    ip: str | None
    user_agent: str | None
    source: str | None = None
    consented_at: datetime | None = None


async def record_consent(
    conn: Conn,
    *,
    parent_id: str,
    pupil_id: str,
    action: Action,
    phone: str | None,
    types: Sequence[str],
    language: str,
    origin: Origin,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO consent_records (parent_id, pupil_id, school_id, action, phone, types,"
        " language, actor, ip, user_agent, recorded_at, source, consented_at)"
        " SELECT $1, $2, school_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12"
        " FROM pupils WHERE id = $2",
        *(parent_id, pupil_id, action, phone, list(types), language, origin.actor),
        *(origin.ip, (origin.user_agent or "")[:_MAX_USER_AGENT] or None, now),
        *(origin.source, origin.given_at or now),
    )


async def consents_for_phone(conn: Conn, phone: str, school_id: str) -> list[ConsentRecord]:
    """Records for this phone about pupils of `school_id`, oldest first."""
    rows = await conn.fetch(
        "SELECT recorded_at, action, parent_id, pupil_id, phone, types, language, actor, ip,"
        " user_agent, source, consented_at FROM consent_records WHERE phone = $1 AND school_id = $2"
        " ORDER BY recorded_at, id",
        phone,
        school_id,
    )
    return [ConsentRecord(*row.values()) for row in rows]


def consents_csv(records: Sequence[ConsentRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in fields(ConsentRecord)])
    for record in records:
        writer.writerow(_cell(value) for value in astuple(record))
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        value = " ".join(value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_phone(text):
        return "'" + text
    return text


def _is_phone(text: str) -> bool:
    return text.startswith("+") and text[1:].isdigit()
