"""Staff views: the reach of an announcement, for the administrators of its own school."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from notifier.announcements.reach import reach
from notifier.http.api.io import json_model, pool
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.errors import NotFound


class ReachOut(BaseModel):
    """What became of an announcement's SMS. sent = delivered + undelivered + awaiting a
    report; subscribed = pending + sent + skipped_for_balance + failed."""

    announcement_id: str
    title: str
    scope: str = Field(description="school, class or pupils")
    urgent: bool
    published_at: datetime
    targeted: int = Field(description="parents linked to the pupils of the audience")
    subscribed: int = Field(description="of them, subscribed to announcements (verified phone)")
    pending: int = Field(description="queued or being sent")
    sent: int = Field(description="accepted by the SMS provider")
    delivered: int = Field(description="reported delivered to the phone")
    undelivered: int = Field(description="reported undeliverable, expired or failed")
    skipped_for_balance: int = Field(
        description="not sent: the balance or the parent's monthly cap did not cover it"
    )
    failed: int = Field(description="not sent: refused by the provider or expired")


async def get_reach(request: web.Request) -> web.Response:
    """404 for an announcement of another school: indistinguishable from an unknown one."""
    admin = authenticate(request, "school_admin")
    assert admin.school_id is not None  # the token check requires it for school_admin
    async with pool(request).acquire() as conn:
        found = await reach(conn, request.match_info["announcement_id"], admin.school_id)
    if found is None:
        raise NotFound("no such announcement of your school")
    return json_model(ReachOut(**asdict(found)))


TABLE = [
    ApiRoute("GET", "/api/v1/admin/announcements/{announcement_id}/reach", get_reach,
             "Reach of an announcement: parents targeted, subscribed, sent, delivered, skipped"
             " for balance, failed (school administrators, own school)",
             response=ReachOut, roles=("school_admin",), tag="staff"),
]  # fmt: skip
