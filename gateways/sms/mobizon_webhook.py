"""Mobizon's "SMS statuses" webhook (Control Panel -> API -> Webhooks), verified and normalised.

Mobizon POSTs `{eventId, eventType, eventCreateTs, webhookId, attempt, data, sign}`, once per
whole message and only with its final status; an `sms-delivery-report` carries `data`
`{campaignId, messageId, segNum, statusUpdateTs, status, to}`. `sign` is, as documented,
sha1("eventId|attempt|eventCreateTs|secretKey") with the secret key set on the webhook.
The signature does not cover `data`, so the endpoint also belongs behind HTTPS only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from gateways.sms.mobizon import STATUS
from gateways.sms.reports import Report

DELIVERY_REPORT = "sms-delivery-report"


class MobizonEvent(BaseModel):
    model_config = ConfigDict(extra="allow")
    # Mobizon's field names
    eventId: int | str
    eventType: str
    eventCreateTs: str
    attempt: int | str
    data: dict[str, Any]
    sign: str


def signature(event: MobizonEvent, secret: str) -> str:
    signed = f"{event.eventId}|{event.attempt}|{event.eventCreateTs}|{secret}"
    return hashlib.sha1(signed.encode()).hexdigest()  # noqa: S324 - Mobizon's documented scheme


def is_signed(event: MobizonEvent, secret: str) -> bool:
    return hmac.compare_digest(signature(event, secret), event.sign.lower())


def report_of(event: MobizonEvent, at: datetime) -> Report | None:
    """The delivery report in the event, or None when it is not one we understand."""
    if event.eventType != DELIVERY_REPORT:
        return None
    message_id = event.data.get("messageId")
    status = STATUS.get(str(event.data.get("status", "")).upper())
    if message_id in (None, "") or status is None:
        return None
    detail = f"mobizon {event.data.get('status')} (event {event.eventId})"
    return Report("mobizon", str(message_id), status, at, detail)
