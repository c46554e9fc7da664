"""What a typical weekly digest for a child costs, in Cyrillic and in the cheaper Latin.

Built by the digest's own builder on a typical week (notifier/digest/estimate.py), so the
page shows what the parent will actually pay, side by side for both options.
"""

from __future__ import annotations

from typing import cast

from aiohttp import web
from pydantic import BaseModel, Field

from billing.money import format_amount
from notifier import keys
from notifier.digest.estimate import typical_digest
from notifier.http.api.io import json_model, now, pool, read_body
from notifier.http.api.models import Input
from notifier.http.api.wallet_models import CostPreviewOut, Currency
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.roster import linked_child
from notifier.manager.wallet import CostPreview, cost_preview
from notifier.sms.texts import Language


class DigestPreviewIn(Input):
    pupil_id: str = Field(min_length=1, max_length=64)
    language: Language


class DigestOption(BaseModel):
    text: str = Field(description="a typical week's digest as the SMS would read")
    cost: CostPreviewOut


class DigestPreviewOut(BaseModel):
    cyrillic: DigestOption
    latin: DigestOption = Field(description="the same week in GSM-7 Latin letters")


async def preview_digest(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, DigestPreviewIn)
    max_parts = request.app[keys.SETTINGS].digest_max_parts
    options: dict[str, DigestOption] = {}
    async with pool(request).acquire() as conn:
        child = await linked_child(conn, parent.subject, body.pupil_id)
        for name, latin in (("cyrillic", False), ("latin", True)):
            text = typical_digest(child.first_name, body.language, latin=latin, max_parts=max_parts)
            price = await cost_preview(conn, parent.subject, text, now(request))
            options[name] = _option(text, price)
    return json_model(DigestPreviewOut(**options))


def _option(text: str, preview: CostPreview) -> DigestOption:
    return DigestOption(text=text, cost=CostPreviewOut(
        encoding=preview.sms.encoding, parts=preview.sms.parts, characters=preview.sms.units,
        price=preview.price, currency=cast(Currency, preview.currency),
        price_display=format_amount(preview.price, preview.currency),
    ))  # fmt: skip


TABLE = [
    ApiRoute("POST", "/api/v1/digest-preview", preview_digest,
             "Parts and price of a typical weekly digest for a child, Cyrillic and Latin",
             body=DigestPreviewIn, response=DigestPreviewOut, errors=(404,)),
]  # fmt: skip
