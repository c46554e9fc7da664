"""What the finance API takes and returns (also the source of its OpenAPI schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from billing.reconciliation import FindingKind, ItemKind, RunSummary
from billing.reports import MAX_DAYS, Period

# Days a period may name: the ledger starts long after the first and the calendar's edges
# (year 1, year 9999) would overflow once shifted to Almaty time.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class PeriodIn(BaseModel):
    """Calendar days in Asia/Almaty, both included; at most a year (366 days)."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)
    from_: date = Field(alias="from", ge=FIRST_DAY, le=LAST_DAY)
    to: date = Field(ge=FIRST_DAY, le=LAST_DAY)

    @field_validator("to")
    @classmethod
    def _within_a_year(cls, to: date, info: ValidationInfo) -> date:
        first = info.data.get("from_")
        if first is not None and to < first:
            raise ValueError("must not be before 'from'")
        if first is not None and (to - first).days + 1 > MAX_DAYS:
            raise ValueError(f"a period is at most {MAX_DAYS} days")
        return to

    @property
    def period(self) -> Period:
        return Period(self.from_, self.to)


class ReportQuery(PeriodIn):
    format: Literal["json", "csv"] = Field(
        default="json",
        description="json: money in minor units (4000); csv: money in major units (40.00),"
        " each money column named <name>_major, its currency in the currency column",
    )


class ReportOut(BaseModel):
    """Rows of one report; money columns in minor units beside their `currency` column."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)
    report: str
    from_: date = Field(alias="from")
    to: date
    columns: list[str]
    items: list[dict[str, Any]]


class FindingOut(BaseModel):
    gateway: str
    kind: ItemKind
    key: str = Field(description="the gateway's payment id, or the refund / dispute id")
    finding: FindingKind
    ledger_amount: int | None
    ledger_currency: str | None
    gateway_amount: int | None
    gateway_currency: str | None
    occurred_at: datetime
    ledger_transaction_ids: list[int]


class RunOut(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)
    id: int
    from_: date = Field(alias="from")
    to: date
    trigger: Literal["schedule", "manual"]
    status: Literal["completed", "failed"]
    error: str | None
    gateways: list[str]
    created_at: datetime
    matched: int
    mismatched: int
    findings: list[FindingOut]

    @classmethod
    def of(cls, run: RunSummary) -> RunOut:
        findings = [
            FindingOut(
                gateway=f.gateway, kind=f.kind, key=f.key, finding=f.finding,
                ledger_amount=f.ledger_amount, ledger_currency=f.ledger_currency,
                gateway_amount=f.gateway_amount, gateway_currency=f.gateway_currency,
                occurred_at=f.at, ledger_transaction_ids=list(f.transaction_ids),
            )
            for f in run.findings
        ]  # fmt: skip
        return cls(
            id=run.id, from_=run.period.first, to=run.period.last, trigger=run.trigger,
            status=run.status, error=run.error, gateways=list(run.gateways),
            created_at=run.created_at, matched=len(findings) - len(run.mismatches),
            mismatched=len(run.mismatches), findings=findings,
        )  # fmt: skip
