"""Internal API: bulk onboarding streamed by the core system, as `notifier import` does it.

The body is NDJSON (one JSON object a line, the columns of README "Onboarding a country"),
read as it arrives and applied in batches by the same use case as the command line. `id`
names the stream: sending the same stream again under the same id skips the batches already
committed (and changes nothing else), so a broken connection is recovered by sending again.
Bad lines are answered with their line number and reason; they never stop the good ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from notifier import keys
from notifier.http.internal_auth import authorize
from notifier.http.internal_models import Input, Language
from notifier.notification_types import NotificationType
from notifier.onboarding.files import json_records
from notifier.onboarding.rows import Kind, Record, Reject
from notifier.onboarding.run import BATCH_SIZE, import_records


class SubscriptionLine(BaseModel):
    """One line of a subscriptions stream (a bad line is rejected alone, not the stream)."""

    parent_id: str
    pupil_id: str
    phone: str = Field(examples=["+77011234567", "8 701 123 45 67"])
    types: list[NotificationType]
    language: Language
    latin: bool = False
    consent_source: str = Field(description="where consent was given, kept in the consent record")
    consent_at: datetime = Field(description="when consent was given, with its UTC offset")
    phone_verified_by_core: bool = Field(
        default=False, description="true: the core system verified the phone (no code is sent)"
    )


class BalanceLine(BaseModel):
    """One line of a balances stream: an opening balance, once per reference."""

    parent_id: str
    currency: str = Field(examples=["KZT", "KGS"])
    amount: int = Field(ge=0, description="minor units")
    reference: str = Field(description="the previous system's id of this balance")


class ImportQuery(Input):
    id: str = Field(min_length=1, max_length=100, description="names the stream, for resending")
    batch_size: int = Field(default=BATCH_SIZE, ge=1, le=BATCH_SIZE)


class RejectOut(BaseModel):
    line: int
    reason: str


class ImportOut(BaseModel):
    rows: int
    imported: int
    existing: int = Field(description="already there: imported before, or the parent's own")
    rejected: int
    resumed_batches: int = Field(description="committed by an earlier sending of this id")
    rejects: list[RejectOut]


class _Collected:
    def __init__(self) -> None:
        self.rejects: list[Reject] = []

    def advanced(self, rows: int) -> None:
        pass

    def rejected(self, rejects: Sequence[Reject]) -> None:
        self.rejects += rejects


async def import_subscriptions(request: web.Request) -> web.Response:
    return await _import(request, "subscriptions")


async def import_balances(request: web.Request) -> web.Response:
    return await _import(request, "balances")


async def _import(request: web.Request, kind: Kind) -> web.Response:
    authorize(request)
    query = ImportQuery.model_validate(dict(request.query))
    collected = _Collected()
    outcome = await import_records(
        request.app[keys.POOL], kind, f"stream:{query.id}", _lines(request),
        clock=request.app[keys.CLOCK], listener=collected, batch_size=query.batch_size,
    )  # fmt: skip
    rejects = [RejectOut(line=r.row, reason=r.reason) for r in collected.rejects]
    body = ImportOut(rejects=rejects, **vars(outcome))
    return web.json_response(body.model_dump())


async def _lines(request: web.Request) -> AsyncIterator[tuple[int, Record]]:
    number = 0
    async for raw in request.content:
        number += 1
        for item in json_records(iter([(number, raw.decode("utf-8", "replace"))])):
            yield item
