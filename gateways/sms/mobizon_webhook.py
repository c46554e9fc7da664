"""Mobizon's "SMS statuses" webhook (Control Panel -> API -> Webhooks), decoded and normalised.

Mobizon POSTs `{eventId, eventType, eventCreateTs, webhookId, attempt, data, sign}`; an
`sms-delivery-report` event carries the message's final status in `data`. Mobizon documents
a `sign` field made with the webhook's secret key, but the pages available to us do not show
how it is computed, so it is not checked: the endpoint is authenticated instead by a secret
token in its URL (MOBIZON_CALLBACK_SECRET), compared in constant time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from gateways.sms.mobizon import STATUS
from gateways.sms.reports import Report

DELIVERY_REPORT = "sms-delivery-report"


class MobizonEvent(BaseModel):
    model_config = ConfigDict(extra="allow")
    eventId: int | str  # Mobizon's field names
    eventType: str
    data: dict[str, Any]


def report_of(event: MobizonEvent, at: datetime) -> Report | None:
    """The delivery report in the event, or None when it is not one we understand."""
    if event.eventType != DELIVERY_REPORT:
        return None
    message_id = event.data.get("messageId", event.data.get("id"))
    status = STATUS.get(str(event.data.get("status", "")).upper())
    if message_id in (None, "") or status is None:
        return None
    detail = f"mobizon {event.data.get('status')} (event {event.eventId})"
    return Report("mobizon", str(message_id), status, at, detail)
