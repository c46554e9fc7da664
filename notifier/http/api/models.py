"""Request and response bodies of the parents' API: children, subscriptions, verification.

Inputs forbid unknown fields; outputs are what the OpenAPI document promises.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from notifier.manager.subscriptions import DEFAULT_GRADE_ALERTS_PER_DAY
from notifier.notification_types import NOTIFICATION_TYPES, NotificationType
from notifier.sms.texts import Language

Phone = str  # E.164, e.g. "+77011234567"
GRADE_ALERTS_PER_DAY = (
    "instant grade alerts (`grade_instant`) this child may bring a day: each SMS carries all"
    " the marks posted together; marks beyond the limit wait for the next day's first SMS"
)
TypedPhone = Field(min_length=1, max_length=32, examples=["8 701 123 45 67", "+996555123456"])


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChildOut(BaseModel):
    pupil_id: str
    first_name: str
    class_name: str
    school_name: str | None


class ChildrenOut(BaseModel):
    items: list[ChildOut]


class SubscriptionIn(Input):
    phone: str = TypedPhone
    types: list[NotificationType] = Field(min_length=1, max_length=len(NOTIFICATION_TYPES))
    language: Language
    latin: bool = Field(default=False, description="SMS in GSM-7 Latin letters: fewer parts")
    grade_alerts_per_day: int = Field(
        default=DEFAULT_GRADE_ALERTS_PER_DAY, ge=1, le=10, description=GRADE_ALERTS_PER_DAY
    )


class VerificationOut(BaseModel):
    """`code_sent`: the phone awaits a code (`expires_at` of the newest; `retry_after_seconds`
    while no new code may be sent). `not_needed`: switched off or no phone."""

    status: Literal["code_sent", "verified", "not_needed"]
    expires_at: datetime | None = None
    retry_after_seconds: int | None = None


class SubscriptionOut(BaseModel):
    pupil_id: str
    phone: Phone | None
    phone_verified: bool
    types: list[NotificationType]
    language: Language
    latin: bool = Field(description="SMS in GSM-7 Latin letters (notifier/sms/latin.py)")
    grade_alerts_per_day: int = Field(description=GRADE_ALERTS_PER_DAY)
    active: bool
    verification: VerificationOut


class PhoneVerificationIn(Input):
    phone: str = TypedPhone
    language: Language | None = Field(
        default=None, description="language of the SMS; default: the subscription's, else ru"
    )


class PhoneVerificationOut(BaseModel):
    phone: Phone
    expires_at: datetime


class PhoneConfirmIn(Input):
    phone: str = TypedPhone
    code: str = Field(pattern=r"^[0-9]{6}$", examples=["123456"])


class PhoneConfirmOut(BaseModel):
    phone: Phone
    verified: Literal[True]


class TypePath(Input):
    type: NotificationType
