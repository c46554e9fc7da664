"""Pluggable SMS providers.

Adding a provider: write one module with a class satisfying `SmsProvider`, raise
`SmsRejected` for permanent refusals (bad number, blocked sender), `SmsTemporaryFailure`
for anything certainly not accepted and worth retrying, `SmsInDoubt` when the request may have
reached the provider; answer `lookup` by our reference (or raise `LookupUnsupported`), then add
one line to `PROVIDERS` in gateways/sms/registry.py (README: "Adding a provider").
`RoutedProvider` (routed.py) puts SMS_ROUTES, failover, breakers and rate limits in front.
"""

from gateways.sms.base import (
    GatewayError,
    LookupUnsupported,
    OutgoingSms,
    SendResult,
    SmsInDoubt,
    SmsProvider,
    SmsRejected,
    SmsTemporaryFailure,
)
from gateways.sms.dev import DevSmsProvider

__all__ = [
    "DevSmsProvider",
    "GatewayError",
    "LookupUnsupported",
    "OutgoingSms",
    "SendResult",
    "SmsInDoubt",
    "SmsProvider",
    "SmsRejected",
    "SmsTemporaryFailure",
]
