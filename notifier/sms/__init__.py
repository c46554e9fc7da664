"""Pure SMS core: parents' texts and phone numbers (no I/O); billable parts are counted by
gateways/sms/segments.py, the rules the providers bill by."""

from gateways.sms.segments import SmsParts, count_parts, split_parts, truncate_to_parts
from notifier.sms.phones import InvalidPhoneNumber, mask_phone, normalize_mobile, phone_country
from notifier.sms.texts import (
    Language,
    homework_alert,
    homework_updated_alert,
    low_balance,
    verification_code,
)

__all__ = [
    "InvalidPhoneNumber",
    "Language",
    "SmsParts",
    "count_parts",
    "homework_alert",
    "homework_updated_alert",
    "low_balance",
    "mask_phone",
    "normalize_mobile",
    "phone_country",
    "split_parts",
    "truncate_to_parts",
    "verification_code",
]
