"""The "one weekly SMS per phone" option, with both of the month's prices side by side."""

from __future__ import annotations

from typing import cast

from aiohttp import web
from pydantic import BaseModel, Field

from billing.money import format_amount
from billing.types import Conn
from notifier import keys
from notifier.http.api.io import json_model, now, pool, read_body
from notifier.http.api.models import Input
from notifier.http.api.wallet_models import Currency
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.phone_digest import set_per_phone
from notifier.manager.spending import per_phone_month, spending


class PerPhoneIn(Input):
    per_phone: bool = Field(
        strict=True, description="true: one weekly SMS per phone for all its children"
    )


class PhoneOut(BaseModel):
    phone: str = Field(examples=["+77011234567"])
    pupil_ids: list[str] = Field(description="the children it covers, in the SMS's order")
    separate_parts: int = Field(description="SMS parts of a week, each child their own digest")
    one_sms_parts: int = Field(description="SMS parts of the same week, one SMS per phone")


class PerPhoneOut(BaseModel):
    per_phone: bool = Field(
        description="one weekly SMS per phone (default on): sent combined only in the weeks"
        " where it costs no more than each child's own"
    )
    currency: Currency
    separate: int = Field(description="minor units: this month's digests, one per child")
    one_sms: int = Field(description="minor units: this month's digests, one per phone")
    separate_display: str = Field(examples=["480.00 KZT"])
    one_sms_display: str
    phones: list[PhoneOut] = Field(
        description="phones the parent shares between two or more weekly-digest children (same"
        " language and letters); empty: nothing to combine"
    )


async def get_per_phone(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with pool(request).acquire() as conn:
        return json_model(await _view(request, conn, parent.subject))


async def put_per_phone(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, PerPhoneIn)
    async with pool(request).acquire() as conn:
        await set_per_phone(conn, parent.subject, body.per_phone, now(request))
        return json_model(await _view(request, conn, parent.subject))


async def _view(request: web.Request, conn: Conn, parent_id: str) -> PerPhoneOut:
    at, settings = now(request), request.app[keys.SETTINGS]
    found = await spending(conn, parent_id, at)
    month = await per_phone_month(conn, parent_id, at, found,
                                  digest_max_parts=settings.digest_max_parts)  # fmt: skip
    return PerPhoneOut(
        per_phone=month.on, currency=cast(Currency, found.currency), separate=month.separate,
        one_sms=month.one_sms, separate_display=format_amount(month.separate, found.currency),
        one_sms_display=format_amount(month.one_sms, found.currency),
        phones=[PhoneOut.model_validate(p, from_attributes=True) for p in month.phones],
    )  # fmt: skip


TABLE = [
    ApiRoute("GET", "/api/v1/digest-per-phone", get_per_phone,
             "One weekly SMS per phone for all its children: the option and both prices",
             response=PerPhoneOut),
    ApiRoute("PUT", "/api/v1/digest-per-phone", put_per_phone,
             "Turn one weekly SMS per phone on or off", body=PerPhoneIn, response=PerPhoneOut),
]  # fmt: skip
