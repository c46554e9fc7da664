"""Stripe as the tests see it: webhook events and the Stripe-Signature header, what
stripe-mock is told Stripe holds, and helpers to pay, deliver and look at the balance.

The signer is written from Stripe's documented scheme (``t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" keyed by the endpoint secret>``), not borrowed from the SDK, so the test
that compares it with ``stripe.WebhookSignature`` checks one against the other.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
import uuid
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from billing.topups import TopUpLimits, attach_payment, create_top_up
from gateways.payments import PaymentSession
from tests.e2e.api_support import Api

WEBHOOK_SECRET = "whsec_test_" + "0123456789abcdef" * 2
API_VERSION = "2025-09-30.clover"


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def event(kind: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> bytes:
    """A v1 snapshot event as delivered to a webhook endpoint, serialised once."""
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    body = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }
    return json.dumps(body, indent=2).encode()


def checkout_session(
    session_id: str,
    top_up_id: str,
    parent_id: str,
    amount: int,
    currency: str = "kzt",
    *,
    payment_status: str = "paid",
    status: str = "complete",
    payment_intent: str | None = None,
) -> dict[str, Any]:
    """The fields of a Checkout Session object that a webhook handler reads."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_total": amount,
        "currency": currency,
        "client_reference_id": top_up_id,
        "metadata": {"top_up_id": top_up_id, "parent_id": parent_id},
        "mode": "payment",
        "payment_intent": payment_intent,
        "payment_status": payment_status,
        "status": status,
    }


def charge(
    charge_id: str,
    payment_intent: str,
    top_up_id: str,
    amount: int,
    amount_refunded: int,
    currency: str = "kzt",
) -> dict[str, Any]:
    """A Charge as ``charge.refunded`` carries it (``refunds`` is not expanded since 2022-11-15)."""
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "currency": currency,
        "metadata": {"top_up_id": top_up_id},
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": amount_refunded == amount,
        "status": "succeeded",
    }


def dispute(
    dispute_id: str, charge_id: str, payment_intent: str, amount: int, status: str
) -> dict[str, Any]:
    """A Dispute; Stripe puts no metadata of ours on it, only the charge and payment intent."""
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "charge": charge_id,
        "currency": "kzt",
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": "fraudulent",
        "status": status,
    }


# What stripe-mock (stateless, answering from fixtures) is told Stripe holds: every Checkout
# Session was paid 5000.00 KZT, and every PaymentIntent belongs to DISPUTED_SESSION.
PAID_AMOUNT = 500_000
DISPUTED_SESSION = "cs_test_session_stripe_mock_names"
DISPUTED_INTENT = "pi_test_intent_stripe_mock_names"
STRIPE_STATE: dict[str, dict[str, Any]] = {
    "checkout.session": {
        "id": DISPUTED_SESSION,
        "payment_intent": DISPUTED_INTENT,
        "status": "complete",
        "payment_status": "paid",
        "amount_total": PAID_AMOUNT,
        "currency": "kzt",
    },
    "payment_intent": {
        "id": DISPUTED_INTENT,
        "status": "succeeded",
        "amount": PAID_AMOUNT,
        "amount_received": PAID_AMOUNT,
        "currency": "kzt",
    },
}


def stripe_settings(base_url: str) -> dict[str, Any]:
    """Settings fields that switch Stripe on against stripe-mock."""
    return {
        "stripe_api_key": SecretStr("sk_test_" + "0" * 24),
        "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "stripe_api_base": base_url,
        "payment_gateway": "stripe",
    }


WEBHOOK_PATH = "/payments/stripe/webhook"


async def deliver(
    client: TestClient[Any, Any], body: bytes, *, header: str | None = None
) -> tuple[int, dict[str, Any]]:
    """POST one event as Stripe does: the raw body and its Stripe-Signature."""
    signature = signature_header(body, WEBHOOK_SECRET) if header is None else header
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
        return response.status, dict(await response.json())


async def deliver_like_stripe(client: TestClient[Any, Any], bodies: list[bytes], seed: int) -> None:
    """Each event twice, all at once, in shuffled order; refused deliveries (409) are sent
    again, as Stripe retries them, until every one is acknowledged."""
    pending = bodies * 2
    random.Random(seed).shuffle(pending)
    for _ in range(len(pending) + 1):
        answers = await asyncio.gather(*(deliver(client, body) for body in pending))
        assert all(status in (200, 409) for status, _ in answers), answers
        pending = [
            body for body, (status, _) in zip(pending, answers, strict=True) if status != 200
        ]
        if not pending:
            return
    raise AssertionError(f"Stripe would still be retrying: {answers}")


async def start_top_up(api: Api, amount: int = PAID_AMOUNT) -> tuple[str, str]:
    """A parent starts a Stripe top-up: (our top-up id, the Checkout Session id)."""
    body = {"amount": amount, "currency": "KZT", "gateway": "stripe"}
    response = await api.call("POST", "/api/v1/top-ups", json=body)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["payment_url"].startswith("https://checkout.stripe.com/")
    query = "SELECT gateway_payment_id FROM top_ups WHERE id = $1"
    return created["id"], str(await sql(api, query, uuid.UUID(created["id"])))


async def available(api: Api, parent: str = "par-1") -> int:
    """What the parent's balance page shows as available, in minor units."""
    response = await api.call("GET", "/api/v1/balance", parent)
    assert response.status == 200, await response.text()
    return int((await response.json())["available"])


async def top_up_status(api: Api, top_up_id: str) -> str:
    response = await api.call("GET", f"/api/v1/top-ups/{top_up_id}")
    assert response.status == 200, await response.text()
    return str((await response.json())["status"])


async def sql(api: Api, query: str, *args: Any) -> Any:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def new_top_up(api: Api, session_id: str | None = None) -> str:
    """A 5000.00 KZT Stripe top-up made directly (not through the API); `session_id` is
    attached as its Checkout Session unless None (as if the request died before that)."""
    limits = TopUpLimits({"KZT": 1}, {"KZT": 10**9}, {"KZT": 10**9})
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        async with conn.transaction():
            top_up = await create_top_up(
                conn, parent_id="par-1", amount=PAID_AMOUNT, currency="KZT",
                gateway="stripe", limits=limits, now=api.clock.now(),
            )  # fmt: skip
            if session_id is not None:
                await attach_payment(conn, top_up.id, PaymentSession(session_id, "https://x"))
    finally:
        await conn.close()
    return str(top_up.id)
