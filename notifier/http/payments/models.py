"""Bodies of the top-up API (/api/v1/top-ups)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from notifier.http.api.models import Input
from notifier.http.api.wallet_models import Currency, PageQuery
from notifier.http.money import UNIT, MinorUnits

TopUpStatus = Literal[
    "created", "pending", "succeeded", "failed", "expired", "refunded", "partially_refunded",
    "disputed",
]  # fmt: skip


class TopUpIn(Input):
    amount: MinorUnits = Field(gt=0, description=UNIT)
    currency: Currency | None = Field(
        default=None, description="default: the balance's currency, else by the phone's country"
    )
    gateway: str | None = Field(
        default=None, max_length=32, description="default: the configured payment gateway"
    )


class TopUpCreatedOut(BaseModel):
    id: UUID
    status: TopUpStatus
    amount: int
    currency: Currency
    gateway: str
    payment_url: str = Field(description="send the parent here to pay")


class TopUpOut(BaseModel):
    id: UUID
    status: TopUpStatus
    amount: int
    currency: Currency
    gateway: str
    created_at: datetime


class TopUpsOut(BaseModel):
    items: list[TopUpOut]
    next_cursor: str | None


class TopUpsQuery(PageQuery):
    pass


class TopUpPath(Input):
    id: UUID
