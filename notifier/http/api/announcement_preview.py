"""Staff views for the diary's announcement editor: what an announcement would cost parents
before it is published, and the school's announcements with their reach. School
administrators and teachers, their own school only (the token's school_id)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time

from aiohttp import web
from pydantic import BaseModel, Field

from billing.money import format_amount
from notifier import keys
from notifier.announcements.preview import Draft, preview
from notifier.announcements.reach import school_reach
from notifier.errors import NotYetKnown, RejectedEvent
from notifier.http.api.announcements import ReachOut
from notifier.http.api.io import json_model, now, pool, read_body, read_query
from notifier.http.api.models import Input
from notifier.http.api.wallet_models import PageQuery
from notifier.http.auth import Principal, Role, authenticate
from notifier.http.errors import ApiError
from notifier.http.openapi import ApiRoute
from notifier.manager.paging import decode_cursor, make_page
from notifier.outbox.window import parse_window
from notifier.sms.texts import Language
from schemas._common import LongText, Title
from schemas.announcements_v1 import Audience, Translation

STAFF: tuple[Role, ...] = ("school_admin", "teacher")


class PreviewIn(Input):
    """The announcement as the editor has it; the school is the caller's."""

    title: Title
    text: LongText
    audience: Audience
    translations: dict[Language, Translation] | None = None
    urgent: bool = Field(default=False, description="sent at once, not in the window")


class LanguagePartsOut(BaseModel):
    language: Language
    text: str = Field(description="the SMS exactly as parents of this language would get it")
    encoding: str
    parts: int
    characters: int
    fits: bool = Field(description="within ANNOUNCEMENT_MAX_PARTS; else publishing is refused")


class CostOut(BaseModel):
    currency: str
    amount: int = Field(description="minor units parents would pay together")
    display: str = Field(examples=["4 160.00 KZT"])


class PreviewOut(BaseModel):
    languages: list[LanguagePartsOut]
    max_parts: int
    targeted: int = Field(description="parents linked to the audience's pupils")
    subscribed: int = Field(description="of them, subscribed to announcements")
    verified: int = Field(description="of those, with a verified phone")
    reached: int = Field(description="of those, whose balance covers the SMS: they get it")
    short_of_balance: int = Field(description="verified, but the balance does not cover it")
    waiting_for_window: int = Field(
        description="of the reached, how many SMS would wait for the school's sending window"
    )
    window_opens_at: datetime | None
    costs: list[CostOut] = Field(description="what parents would pay in total, per currency")


class AnnouncementsOut(BaseModel):
    items: list[ReachOut]
    next_cursor: str | None


def _school(caller: Principal) -> str:
    if caller.school_id is None:
        raise ApiError(403, "forbidden", "staff tokens must carry school_id")
    return caller.school_id


async def preview_announcement(request: web.Request) -> web.Response:
    school_id = _school(authenticate(request, *STAFF))
    body = await read_body(request, PreviewIn)
    translations = {k: (t.title, t.text) for k, t in (body.translations or {}).items()}
    draft = Draft(school_id, body.audience, body.title, body.text, translations, body.urgent)
    settings = request.app[keys.SETTINGS]
    window: tuple[time, time] = parse_window(settings.send_window)
    try:
        async with pool(request).acquire() as conn:
            found = await preview(
                conn, draft, max_parts=settings.announcement_max_parts, now=now(request),
                window=window,
            )  # fmt: skip
    except (NotYetKnown, RejectedEvent) as exc:
        raise ApiError(422, "invalid_audience", str(exc), {"field": "audience"}) from exc
    out = asdict(found)
    out["costs"] = [
        CostOut(currency=c, amount=a, display=format_amount(a, c)) for c, a in found.costs.items()
    ]
    return json_model(PreviewOut(**out))


async def list_announcements(request: web.Request) -> web.Response:
    school_id = _school(authenticate(request, *STAFF))
    query = read_query(request, PageQuery)
    after = None
    if query.cursor is not None:
        at, last_id = decode_cursor(query.cursor, (datetime, str))
        after = (at, last_id)
    async with pool(request).acquire() as conn:
        rows = await school_reach(conn, school_id, limit=query.limit + 1, after=after)
    page = make_page(rows, query.limit, lambda r: [r.published_at.isoformat(), r.announcement_id])
    items = [ReachOut(**asdict(r)) for r in page.items]
    return json_model(AnnouncementsOut(items=items, next_cursor=page.next_cursor))


TABLE = [
    ApiRoute("POST", "/api/v1/admin/announcements/preview", preview_announcement,
             "Before publishing: SMS parts per language, parents it would reach and what it"
             " would cost them (school administrators and teachers, own school)",
             body=PreviewIn, response=PreviewOut, roles=STAFF, tag="staff"),
    ApiRoute("GET", "/api/v1/admin/announcements", list_announcements,
             "The school's announcements, newest first, each with its reach (school"
             " administrators and teachers, own school)",
             query=PageQuery, response=AnnouncementsOut, roles=STAFF, tag="staff"),
]  # fmt: skip
