"""Finance reports straight from the ledger (queries.py), as JSON-ready rows or CSV (render.py)."""

from billing.reports.queries import (
    FINANCE_TZ,
    MAX_DAYS,
    REPORTS,
    Period,
    Report,
    journal,
    liabilities,
    sms_revenue,
    top_ups,
    trial_balance,
)
from billing.reports.render import csv_text, json_rows

__all__ = [
    "FINANCE_TZ",
    "MAX_DAYS",
    "REPORTS",
    "Period",
    "Report",
    "csv_text",
    "journal",
    "json_rows",
    "liabilities",
    "sms_revenue",
    "top_ups",
    "trial_balance",
]
