"""The ops console's JSON shapes (/api/v1/ops/...), documented at /api/v1/openapi.json."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from notifier.http.api.models import Input
from notifier.outbox.delivery import DeliveryStatus
from notifier.outbox.outcome import Money, Outcome

BreakerState = Literal["closed", "open", "half_open"]


class ProviderRateOut(BaseModel):
    provider: str
    sent: int = Field(description="SMS accepted by the provider in the last 5 minutes")
    parts: int
    per_minute: float


class FailuresOut(BaseModel):
    provider: str = Field(description="the provider that refused, or '-' when none did")
    error_class: Literal["permanent", "retryable", "in_doubt", "expired", "other"]
    count: int = Field(description="SMS that failed in the last hour")


class QueueOut(BaseModel):
    due: int = Field(description="queued and due now")
    later: int = Field(description="queued for later: a retry, the sending window, a grace")
    sending: int
    in_doubt: int = Field(description="the provider may have them: looked up before resending")
    oldest_due_seconds: float | None = Field(description="how long the oldest due SMS waits")


class BreakersOut(BaseModel):
    states: dict[str, BreakerState] = Field(description="per provider; empty without routing")
    note: str | None = Field(description="why there are no breakers, when there are none")


class OverviewOut(BaseModel):
    generated_at: datetime
    rates: list[ProviderRateOut]
    failures: list[FailuresOut]
    queue: QueueOut
    breakers: BreakersOut


class DeadLetterOut(BaseModel):
    reason: str = Field(description="the dlq.reason header")
    failed_at: str | None
    original_partition: int | None
    original_offset: int | None
    key: str | None


class DeadLetterTopicOut(BaseModel):
    topic: str = Field(description="the topic the events came from, e.g. diary.roster")
    dead_letter_topic: str
    waiting: int = Field(description="dead letters a re-drive would move")
    latest: list[DeadLetterOut] = Field(description="the newest waiting ones, newest first")


class DeadLettersOut(BaseModel):
    topics: list[DeadLetterTopicOut]


class RedriveIn(Input):
    limit: int | None = Field(default=None, ge=1, le=100_000, description="default: all")


class RedriveOut(BaseModel):
    topic: str
    moved: int = Field(description="dead letters put back on the topic, oldest first")


class PhoneLookupIn(Input):
    """In the body, not the URL: URLs end up in access logs, proxies and browser history."""

    phone: str = Field(min_length=1, max_length=32, examples=["+77011234567"])


class SubscriptionOut(BaseModel):
    parent_id: str
    pupil_id: str
    pupil_name: str
    school_id: str
    types: list[str]
    language: str
    active: bool
    phone_verified_at: datetime | None = Field(description="null: the phone is not confirmed")
    updated_at: datetime


class WalletOut(BaseModel):
    parent_id: str
    currency: str
    posted: int = Field(description="minor units")
    held: int = Field(description="minor units, held for queued SMS")
    available: int = Field(description="minor units")


class MessageOut(BaseModel):
    id: int
    parent_id: str
    kind: str
    status: Literal[
        "queued",
        "sending",
        "sent",
        "failed",
        "skipped_insufficient_funds",
        "skipped_cap",
        "cancelled",
    ]
    parts: int
    price: int = Field(description="minor units")
    currency: str | None
    provider: str | None
    provider_message_id: str | None
    last_error: str | None = Field(description="why it failed, was skipped or is retried")
    attempts: int
    in_doubt: bool
    in_doubt_provider: str | None = Field(
        description="the provider it may be at: looked up and re-sent there alone"
    )
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    delivery_status: DeliveryStatus | None = Field(
        description="the provider's final report: delivered, undeliverable, expired or failed"
    )
    delivery_reported_at: datetime | None
    delivery_detail: str | None
    outcome: Outcome = Field(
        description='what became of it (README "What happened to an SMS"): queued,'
        " submitted, delivered, undeliverable, expired, failed, cancelled or"
        " skipped_insufficient_funds or skipped_cap (the parent's monthly cap); `status` `sent`"
        " alone only means a provider took it"
    )
    money: Money = Field(
        description="where its price went: held, charged, refunded (after an undeliverable,"
        " expired or failed report), released (never sent), not_charged (balance short or"
        " monthly cap reached), paid_by_house (service SMS)"
    )


class PhoneLookupOut(BaseModel):
    phone: str = Field(description="E.164")
    subscriptions: list[SubscriptionOut]
    wallets: list[WalletOut] = Field(description="one per parent using the phone who has one")
    messages: list[MessageOut] = Field(description="the last 20 to this phone, newest first")
