"""Pluggable SMS providers.

Adding a provider: write one module with a class satisfying `SmsProvider`, raise
`SmsRejected` for permanent refusals (bad number, blocked sender) and `SmsTemporaryFailure`
for anything worth retrying, then add it to `notifier.bootstrap.SMS_PROVIDERS`.
"""

from gateways.sms.base import (
    GatewayError,
    OutgoingSms,
    SendResult,
    SmsProvider,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.dev import DevSmsProvider

__all__ = [
    "DevSmsProvider",
    "GatewayError",
    "OutgoingSms",
    "SendResult",
    "SmsProvider",
    "SmsRejected",
    "SmsTemporaryFailure",
]
