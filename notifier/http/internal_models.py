"""Bodies of the internal API (/internal/v1), also the source of its OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from notifier.http.api.models import GRADE_ALERTS_PER_DAY
from notifier.http.money import UNIT, MinorUnits
from notifier.notification_types import NotificationType
from notifier.outbox.delivery import DeliveryStatus

Language = Literal["ru", "kk", "ky"]
Id = Field(min_length=1, max_length=64)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(Input):
    """The parent's consent the core system holds: kept in the append-only consent record."""

    given_by: str = Field(
        min_length=1, max_length=64,
        description="who consented: the parent's id, or the staff member who took a signed form",
    )  # fmt: skip
    given_at: AwareDatetime = Field(description="when consent was given (with its UTC offset)")
    source: str = Field(
        min_length=1, max_length=200, examples=["paper form 2026/118", "diary app"],
        description="where consent was given: a signed form's number, the diary app, …",
    )  # fmt: skip


class SubscriptionIn(Input):
    """A subscription the core system already has consent and a verified phone for."""

    parent_id: str = Id
    pupil_id: str = Id
    phone: str = Field(min_length=5, max_length=32, examples=["+77011234567"])
    types: list[NotificationType] = Field(min_length=1)
    language: Language
    latin: bool | None = Field(
        default=None,
        description="SMS in GSM-7 Latin letters (fewer parts); left out: kept as it is (false"
        " for a new subscription), so a PUT without it never undoes the parent's choice",
    )
    grade_alerts_per_day: int | None = Field(
        default=None, ge=1, le=10,
        description=GRADE_ALERTS_PER_DAY + "; 1–10 as in /api/v1; left out: kept as it is (3"
        " for a new subscription), so a PUT without it never undoes the parent's choice",
    )  # fmt: skip
    consent: ConsentIn = Field(
        description="recorded as evidence when the subscription changes (school staff see it"
        " in the consent export); a PUT that changes nothing records nothing"
    )


class SubscriptionOut(BaseModel):
    id: int
    parent_id: str
    pupil_id: str
    phone: str | None
    types: list[NotificationType]
    language: Language
    latin: bool
    grade_alerts_per_day: int = Field(description=GRADE_ALERTS_PER_DAY)
    active: bool


class SubscriptionsOut(BaseModel):
    items: list[SubscriptionOut]


class SubscriptionsQuery(Input):
    parent_id: str = Id


class CreditIn(Input):
    amount: MinorUnits = Field(gt=0, le=10_000_000_00, description=UNIT)
    currency: Literal["KZT", "KGS"]
    reference: str = Field(
        min_length=1,
        max_length=100,
        description="idempotency key: the same credit again answers 200 and changes nothing;"
        " the same reference with another parent, amount or currency answers 409",
    )
    allow_unknown_parent: bool = Field(
        default=False,
        description="credit a parent the roster does not know (no child linked yet), opening a"
        " wallet that belongs to no school; without it such a credit answers 404",
    )


class WalletOut(BaseModel):
    parent_id: str
    currency: str
    posted: int = Field(description="minor units")
    held: int
    available: int
    available_display: str = Field(examples=["1500.00 KZT"])


class DeliveryReportIn(Input):
    """What finally happened to an SMS the provider accepted; the first report counts."""

    provider: str = Field(min_length=1, max_length=40)
    provider_message_id: str = Field(min_length=1, max_length=200)
    status: DeliveryStatus = Field(
        description="delivered (the charge stays); undeliverable (the phone could not be"
        " reached), expired (its validity ran out at the operator) or failed (the operator"
        " refused it after accepting): each refunded once under UNDELIVERABLE_POLICY=refund"
    )
    detail: str | None = Field(default=None, max_length=500)


class DeliveryReportOut(BaseModel):
    outcome: str = Field(description="what the report changed, e.g. refunded or recorded")


class IncomingSmsIn(Input):
    """A message a parent sent to our sender, as an HTTP provider passed it on."""

    provider: str = Field(min_length=1, max_length=40, examples=["mobizon"])
    provider_message_id: str = Field(
        min_length=1,
        max_length=200,
        description="taken once per provider: a repeat is 200"
        " with outcome `duplicate` and sends nothing",
    )
    phone: str = Field(min_length=5, max_length=32, examples=["+77011234567"])
    text: str = Field(max_length=1600, examples=["СТОП"])


class IncomingSmsOut(BaseModel):
    outcome: Literal["stopped", "nothing_to_stop", "not_a_stop_word", "duplicate",
                     "invalid_phone"] = Field(
        description="stopped: every paid type of every subscription on the phone switched off,"
        " a free confirmation queued; nothing_to_stop: a stop word, but nothing was on"
    )  # fmt: skip
