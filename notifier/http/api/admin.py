"""Staff views: consent records per phone, for a school administrator's own school."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from notifier.http.api.io import json_model, pool, read_body
from notifier.http.api.models import Input
from notifier.http.api.phone_input import phone_or_422
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.consent import consents_csv, consents_for_phone


class ConsentSearch(Input):
    """In the body, not the URL: URLs end up in access logs, proxies and browser history."""

    phone: str = Field(min_length=1, max_length=32, examples=["+77011234567"])
    format: Literal["json", "csv"] = "json"


class ConsentOut(BaseModel):
    recorded_at: datetime
    action: Literal["subscribe", "update", "unsubscribe", "one-click-unsubscribe"]
    parent_id: str
    pupil_id: str
    phone: str | None
    types: list[str]
    language: str
    actor: str = Field(description="who made the change: the signed-in user, or the link")
    ip: str | None
    user_agent: str | None
    source: str | None = Field(
        description="where consent was given, as the core system asserted it through the"
        " internal API (a signed form, the diary app); empty for changes on the page"
    )
    consented_at: datetime | None = Field(description="when consent was given")


class ConsentsOut(BaseModel):
    phone: str
    items: list[ConsentOut]


async def export_consents(request: web.Request) -> web.Response:
    """Records about pupils of the admin's own school only: others' are not theirs to see."""
    admin = authenticate(request, "school_admin")
    query = await read_body(request, ConsentSearch)
    phone = phone_or_422(query.phone, "ru")
    assert admin.school_id is not None  # the token check requires it for school_admin
    async with pool(request).acquire() as conn:
        records = await consents_for_phone(conn, phone, admin.school_id)
    if query.format == "csv":
        return web.Response(
            text=consents_csv(records),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="consents-{phone[1:]}.csv"'},
        )
    items = [ConsentOut.model_validate(r, from_attributes=True) for r in records]
    return json_model(ConsentsOut(phone=phone, items=items))


TABLE = [
    ApiRoute("POST", "/api/v1/admin/consents/search", export_consents,
             "Consent records for a phone (school administrators, own school)",
             body=ConsentSearch, response=ConsentsOut, roles=("school_admin",),
             media=("text/csv",), tag="staff"),
]  # fmt: skip
