"""Bodies of the monthly cap and forecast views (notifier/http/api/spending.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from notifier.http.api.models import Input
from notifier.http.api.wallet_models import Currency
from notifier.notification_types import NotificationType

# Integer minor units only: "500", 500.0 and 5e4 are refused, never rounded.
MinorUnits = Annotated[int, Field(strict=True, ge=0, le=10_000_000_00)]


class CapIn(Input):
    monthly_cap: MinorUnits | None = Field(
        description="minor units of the wallet's currency (50000 = 500.00 KZT); null: no cap",
        examples=[500_00, None],
    )


class ForecastLineOut(BaseModel):
    pupil_id: str
    type: NotificationType
    sms: int = Field(
        description="SMS of this type expected this month; instant grades: bundles, each child's"
        " day counted up to its `grade_alerts_per_day`"
    )
    parts_cyrillic: int = Field(description="parts of one such SMS in Cyrillic")
    parts_latin: int = Field(
        description="parts in Latin letters (differs for the digest and the instant grade SMS)"
    )
    cost_cyrillic: int = Field(description="minor units, for the month")
    cost_latin: int = Field(description="minor units, for the month")


class ForecastOut(BaseModel):
    cyrillic: int = Field(
        description="minor units: the month's SMS in Cyrillic (with one weekly SMS per phone"
        " when the parent keeps that on: less `per_phone_saving_cyrillic`)"
    )
    latin: int = Field(
        description="minor units: the same with the digest and the grade SMS in Latin letters"
    )
    per_phone_saving_cyrillic: int = Field(
        default=0, description="minor units one weekly SMS per phone takes off `cyrillic`"
    )
    per_phone_saving_latin: int = Field(default=0, description="the same, off `latin`")
    cyrillic_display: str = Field(examples=["480.00 KZT"])
    latin_display: str
    items: list[ForecastLineOut] = Field(
        description="per child and subscribed type, each child's digest priced apart"
    )


class SpendingOut(BaseModel):
    currency: Currency = Field(description="the wallet's, or the one it will have")
    monthly_cap: int | None = Field(description="minor units; null: no cap")
    spent: int = Field(
        description="minor units spent this month: SMS held or charged since the month began,"
        " less those released or refunded; free service SMS never count"
    )
    left: int | None = Field(description="minor units the cap still allows; null: no cap")
    spent_display: str = Field(examples=["120.00 KZT"])
    monthly_cap_display: str | None
    cap_reached: bool = Field(description="the cap stopped an SMS this month")
    month_start: datetime = Field(description="when this month began in `time_zone`")
    time_zone: str = Field(description="the month's time zone: the child's school's",
                           examples=["Asia/Almaty"])  # fmt: skip
    forecast: ForecastOut = Field(
        description="what this month's SMS will cost from the subscriptions and the class's"
        " last four weeks (README: What a parent controls, and what it costs)"
    )
