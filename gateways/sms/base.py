"""The contract every SMS provider fulfils."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingSms:
    """One message to hand to a provider. `reference` is our idempotency key for it."""

    reference: str
    phone: str  # E.164
    body: str
    parts: int
    encoding: str
    price: int  # minor units charged to the parent; 0 for free notices
    currency: str | None
    sender: str
    kind: str = ""  # homework, weekly_digest, verification_code, low_balance, ...
    paid_by: str = "parent"  # "parent" (a hold on their wallet) or "house" (free to them)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    provider: str | None = None  # which provider accepted it (set by routing and providers)


class SmsProvider(Protocol):
    """Sends SMS. Accepting a message (returning) is what captures its charge.

    `send` raises `SmsRejected` (permanent: never accepted, do not retry),
    `SmsTemporaryFailure` (certainly not accepted: safe to send again later) or `SmsInDoubt`
    (the request may have reached the provider: a timeout or a connection lost after the
    request was written). An in-doubt message is never sent again before `lookup` says the
    provider does not have it.
    """

    name: str

    async def send(self, sms: OutgoingSms) -> SendResult:
        """Hand the message over; raise SmsRejected, SmsTemporaryFailure or SmsInDoubt."""
        ...

    async def lookup(self, reference: str) -> SendResult | None:
        """Did the provider accept a message with our `reference`? Its id if so, None if it
        never did. Raise `LookupUnsupported` when the provider's API cannot tell (then the
        dispatcher applies IN_DOUBT_POLICY), SmsTemporaryFailure when it cannot tell now."""
        ...

    async def close(self) -> None: ...


class GatewayError(Exception):
    """Root of provider errors: carries the provider, a status and the raw response."""

    def __init__(self, message: str, *, provider: str, status: str = "", response: str = ""):
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.response = response


class SmsRejected(GatewayError):
    """Permanent: retrying the same message will not help. The hold is released."""


class SmsTemporaryFailure(GatewayError):
    """Certainly not accepted, worth retrying later (throttling, provider outage, refused
    connection)."""


class SmsInDoubt(GatewayError):
    """The provider may or may not have accepted the message (no answer after the request
    went out). Resolved by `lookup` before anything is sent again."""


class LookupUnsupported(GatewayError, NotImplementedError):
    """The provider's API has no way to ask whether it accepted one of our references."""
