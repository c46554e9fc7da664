"""Dev gateway, for `make run` and tests: a local payment page with "Pay" and "Decline".

Its state (the payments it opened) lives in memory, like a real gateway's lives on its side.
Pressing a button on the page (served by this service at /dev-pay/{top_up_id}) makes the
gateway decide the payment and deliver a callback signed with HMAC-SHA256 over the raw body
(header X-Dev-Signature, hex), exactly as a remote gateway would. Disabled unless
DEV_PAYMENTS_SECRET is set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

import aiohttp

from gateways.payments.base import (
    GatewayTransaction,
    InvalidSignature,
    PaymentEvent,
    PaymentNotFound,
    PaymentRequest,
    PaymentSession,
    PaymentStatus,
)
from gateways.payments.signatures import signature_matches

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Dev-Signature"
CALLBACK_PATH = "/payments/dev/callback"
Decision = Literal["succeeded", "failed"]


@dataclass(frozen=True)
class DevPayment:
    payment_id: str
    top_up_id: UUID
    amount: int
    currency: str
    description: str
    return_url: str
    cancel_url: str
    state: Literal["pending", "succeeded", "failed"]
    decided_at: datetime | None = None


class DevPaymentGateway:
    name = "dev"

    def __init__(self, secret: str, base_url: str) -> None:
        self._secret = secret.encode()
        self._base_url = base_url.rstrip("/")
        self._payments: dict[str, DevPayment] = {}
        self._by_key: dict[str, str] = {}
        self._http: aiohttp.ClientSession | None = None

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        payment_id = self._by_key.get(request.idempotency_key) or f"dev_{uuid.uuid4().hex}"
        self._by_key[request.idempotency_key] = payment_id
        self._payments.setdefault(
            payment_id,
            DevPayment(
                payment_id, request.top_up_id, request.amount, request.currency,
                request.description, request.return_url, request.cancel_url, "pending",
            ),
        )  # fmt: skip
        return PaymentSession(payment_id, f"{self._base_url}/dev-pay/{request.top_up_id}")

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentStatus:
        payment = self._payments.get(gateway_payment_id)
        if payment is None:
            raise PaymentNotFound(f"no payment {gateway_payment_id}", provider=self.name)
        return PaymentStatus(payment.payment_id, payment.state, payment.amount, payment.currency)

    async def list_transactions(self, since: datetime, until: datetime) -> list[GatewayTransaction]:
        return [
            GatewayTransaction("payment", p.payment_id, "", p.amount, p.currency, p.decided_at)
            for p in self._payments.values()
            if p.state == "succeeded" and p.decided_at and since <= p.decided_at < until
        ]

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def press(self, payment_id: str, decision: Decision, service_url: str) -> str:
        """The payer pressed "Pay" or "Decline": settle the payment, deliver the signed
        callback to this service at `service_url` (where the button was served, not
        PUBLIC_BASE_URL, which may name a proxy or another port), and return where to send
        the payer."""
        body, signature = self.decide(payment_id, decision)
        self._http = self._http or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        url = service_url.rstrip("/") + CALLBACK_PATH
        headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
        async with self._http.post(url, data=body, headers=headers) as response:
            if response.status != 200:  # a real gateway would retry; the log says why not
                log.error("dev callback answered %s: %s", response.status, await response.text())
        payment = self._payments[payment_id]
        return payment.return_url if payment.state == "succeeded" else payment.cancel_url

    def payment_for(self, top_up_id: UUID) -> DevPayment | None:
        """The payment the page at /dev-pay/{top_up_id} shows."""
        return next((p for p in self._payments.values() if p.top_up_id == top_up_id), None)

    def decide(self, payment_id: str, decision: Decision) -> tuple[bytes, str]:
        """The payer pressed a button: settle the payment (once) and return the signed
        callback (body, signature) to deliver."""
        payment = self._payments[payment_id]
        if payment.state == "pending":
            payment = replace(payment, state=decision, decided_at=datetime.now(UTC))
            self._payments[payment_id] = payment
        body = json.dumps(
            {
                "event_id": f"evt_{uuid.uuid4().hex}",
                "payment_id": payment.payment_id,
                "status": payment.state,
                "amount": payment.amount,
                "currency": payment.currency,
            }
        ).encode()
        return body, self.sign(body)

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def parse_callback(self, body: bytes, signature: str) -> PaymentEvent:
        """Verify and normalise a callback; InvalidSignature if it was not signed by us."""
        if not signature_matches(self.sign(body), signature):
            raise InvalidSignature("dev callback signature does not match", provider=self.name)
        try:
            data = json.loads(body)
            return PaymentEvent(
                event_id=str(data["event_id"]),
                gateway=self.name,
                kind="succeeded" if data["status"] == "succeeded" else "failed",
                gateway_payment_id=str(data["payment_id"]),
                amount=int(data["amount"]),
                currency=str(data["currency"]),
                reference=None,
                raw_sha256=hashlib.sha256(body).hexdigest(),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("dev callback is malformed", provider=self.name) from exc
