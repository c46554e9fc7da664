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


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class SmsProvider(Protocol):
    """Sends SMS. Accepting a message (returning) is what captures its charge."""

    name: str

    async def send(self, sms: OutgoingSms) -> SendResult:
        """Hand the message over; raise SmsRejected or SmsTemporaryFailure otherwise."""
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
    """Worth retrying later (timeouts, throttling, provider outage)."""
