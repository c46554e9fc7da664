"""Bodies of the wallet views: balance, statement, messages, cost preview."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from notifier.http.api.models import Input
from notifier.manager.message_reasons import ReasonCode
from notifier.notification_types import NotificationType
from notifier.outbox.delivery import DeliveryStatus
from notifier.sms.texts import Language

Currency = Literal["KZT", "KGS"]


class PageQuery(Input):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of a page")


class StatementQuery(PageQuery):
    language: Language = Field(default="ru", description="language of the descriptions")


class MessagesQuery(PageQuery):
    pupil_id: str | None = Field(default=None, max_length=64, description="only this child's")
    language: Language = Field(default="ru", description="language of `reason`")


class BalanceOut(BaseModel):
    currency: Currency | None = Field(description="null until the first top-up")
    available: int = Field(description="minor units: what can be spent now")
    held: int = Field(description="minor units reserved for SMS being sent")
    posted: int
    available_display: str = Field(examples=["123.00 KZT"])
    price_per_part: int | None = Field(description="minor units per SMS part")
    sms_parts_covered: int | None


class StatementLineOut(BaseModel):
    id: int = Field(description="the line's id: what a refund's `refund_of` names")
    at: datetime
    amount: int = Field(description="minor units; money in is positive, money out negative")
    currency: Currency
    kind: str = Field(
        description="sms_charge, sms_refund, top_up, refund (of a top-up), dispute_lost,"
        " dispute_won, manual_credit"
    )
    description: str = Field(
        description="the line as a parent reads it, in `language`: a charge names the kind, the"
        " child and the message's first words; a refund says why; a top-up names how it was paid",
        examples=["Оплата SMS: домашнее задание, Аида — «Аида: ДЗ «Математика» до 25.11…»"],
    )
    child: str | None = Field(default=None, description="SMS charges and refunds: the child")
    sms_kind: Literal["homework", "digest", "announcement", "grade", "other"] | None = None
    refund_reason: Literal["undeliverable", "expired", "failed"] | None = Field(
        default=None, description="sms_refund: what the operator reported"
    )
    refund_of: int | None = Field(
        default=None, description="sms_refund: the `id` of the charge it returns"
    )
    gateway: str | None = Field(default=None, description="top_up: stripe, freedompay, dev")


class StatementOut(BaseModel):
    items: list[StatementLineOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    id: int
    pupil_id: str | None = Field(description="the subscription's child")
    pupil_ids: list[str] = Field(
        description="every child the SMS is about, in order: one weekly digest per phone"
        " covers all the parent's children on that phone"
    )
    kind: str
    text: str
    parts: int
    cost: int = Field(
        description="minor units the parent paid for it (or that are held for it while it is"
        " being sent): 0 when it was not charged - free service SMS, SMS that failed or were"
        " withdrawn before sending, SMS refunded because they never reached the phone"
    )
    charge: Literal["charged", "held", "not_charged", "refunded"] = Field(
        description="what happened to the money: `charged`; `held` on the balance while it"
        " is being sent; `not_charged`; `refunded` after its report said it never arrived"
    )
    currency: Currency | None
    status: str
    created_at: datetime
    sent_at: datetime | None
    delivery_status: DeliveryStatus | None = Field(
        description="the operator's final report: delivered, undeliverable, expired or failed;"
        " null until it comes"
    )
    delivery_reported_at: datetime | None
    reason_code: ReasonCode | None = Field(
        default=None, description="why it waits or did not arrive; null: on its way or delivered"
    )
    reason: str | None = Field(
        default=None, description="the same, as the parent reads it, in `language`",
        examples=["Ждёт времени отправки школы: оно начнётся в 09:00"],
    )  # fmt: skip
    waiting_until: datetime | None = Field(
        default=None, description="a waiting SMS: when it is next tried (the window opens…)"
    )


class MessagesOut(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class CostPreviewIn(Input):
    text: str = Field(max_length=2000)
    language: Language | None = Field(
        default=None, description="the text's language; the price does not depend on it"
    )


class CostPreviewOut(BaseModel):
    encoding: Literal["GSM-7", "UCS-2"]
    parts: int
    characters: int = Field(description="size in GSM-7 septets or UTF-16 code units")
    price: int = Field(description="minor units")
    currency: Currency
    price_display: str


class CostHintsQuery(Input):
    language: Language = Field(default="ru", description="the language chosen for the SMS")


class CostHintOut(BaseModel):
    type: NotificationType = Field(description="every type but weekly_grades (/digest-preview)")
    sample: str = Field(description="a typical SMS of this type for this child")
    parts: int
    price: int = Field(description="minor units, for one such SMS")
    currency: Currency
    price_display: str


class CostHintsOut(BaseModel):
    items: list[CostHintOut]
