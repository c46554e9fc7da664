"""The parent's monthly cap, month-to-date spend and the month's forecast."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from aiohttp import web

from billing.money import format_amount
from billing.types import Conn
from notifier import keys
from notifier.http.api.io import json_model, now, pool, read_body
from notifier.http.api.spending_models import CapIn, ForecastLineOut, ForecastOut, SpendingOut
from notifier.http.api.wallet_models import Currency
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.forecast import Forecast
from notifier.manager.spending import Spending, month_forecast, set_cap, spending


async def get_spending(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with pool(request).acquire() as conn:
        return json_model(await _view(request, conn, parent.subject))


async def put_cap(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, CapIn)
    async with pool(request).acquire() as conn:
        await set_cap(conn, parent.subject, body.monthly_cap, now(request))
        return json_model(await _view(request, conn, parent.subject))


async def _view(request: web.Request, conn: Conn, parent_id: str) -> SpendingOut:
    at, settings = now(request), request.app[keys.SETTINGS]
    found = await spending(conn, parent_id, at)
    grace = timedelta(minutes=settings.grade_alert_grace_minutes)
    month = await month_forecast(conn, parent_id, at, found,
                                 sms_max_parts=settings.sms_max_parts,
                                 digest_max_parts=settings.digest_max_parts,
                                 grade_grace=grace)  # fmt: skip
    return _out(found, month)


def _out(s: Spending, month: Forecast) -> SpendingOut:
    def display(minor: int) -> str:
        return format_amount(minor, s.currency)

    lines = [ForecastLineOut.model_validate(line, from_attributes=True) for line in month.lines]
    return SpendingOut(
        currency=cast(Currency, s.currency), monthly_cap=s.monthly_cap, spent=s.spent,
        left=s.left, spent_display=display(s.spent),
        monthly_cap_display=None if s.monthly_cap is None else display(s.monthly_cap),
        cap_reached=s.cap_reached, month_start=s.month_start, time_zone=s.time_zone,
        forecast=ForecastOut(cyrillic=month.cyrillic, latin=month.latin,
                             per_phone_saving_cyrillic=month.per_phone_saving[0],
                             per_phone_saving_latin=month.per_phone_saving[1],
                             cyrillic_display=display(month.cyrillic),
                             latin_display=display(month.latin), items=lines),
    )  # fmt: skip


TABLE = [
    ApiRoute("GET", "/api/v1/spending", get_spending,
             "This month's spend, the monthly cap and the month's forecast",
             response=SpendingOut),
    ApiRoute("PUT", "/api/v1/spending/cap", put_cap,
             "Set or lift the monthly cap: an SMS that would cross it is not sent nor charged",
             body=CapIn, response=SpendingOut),
]  # fmt: skip
