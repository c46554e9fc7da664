"""Shapes of the weekly digest's internal API (documented at /internal/v1/openapi.json)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IsoWeek = Field(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W48")


class DigestSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    send_weekday: int = Field(default=5, ge=1, le=7, description="ISO weekday, 5 = Friday")
    send_time: time = Field(default=time(18, 0), description="local time of the school")
    window_start: time = Field(default=time(9, 0), description="paid SMS only from ...")
    window_end: time = Field(default=time(20, 0), description="... until (local; equal = any)")
    send_empty: bool = Field(default=False, description='a week without marks: "no new marks"')


class DigestSettingsOut(DigestSettingsIn):
    school_id: str


class SchoolWeekPath(BaseModel):
    school_id: str
    week: str = IsoWeek


class HolidayOut(BaseModel):
    school_id: str
    week: str


class HolidaysOut(BaseModel):
    weeks: list[str]


class DigestRunOut(BaseModel):
    school_id: str
    week: str
    status: Literal["running", "done", "holiday"]
    total: int = Field(description="weekly-digest subscriptions when the run started")
    done: int
    queued: int = Field(description="digests queued (money held)")
    skipped: int = Field(description="not enough money: recorded, not sent, not charged")
    empty: int = Field(description="no marks that week: nothing sent")
    combined: int = Field(
        default=0,
        description="sent in the one SMS of a phone shared with a sibling, by the"
        " run of the phone's first subscription (README: Weekly digest)",
    )
    started_at: datetime | None = None
    finished_at: datetime | None = None
