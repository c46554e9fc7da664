"""Stripe: top-ups paid on a hosted Checkout page, through the official SDK's async calls.

A top-up is one Checkout Session (mode "payment"); its id is our gateway payment id, and
`client_reference_id` plus metadata (copied by Stripe onto the PaymentIntent and its charge)
carry our top-up id back in every webhook. Every create sends an Idempotency-Key.
"""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import stripe
from stripe.params import BalanceTransactionListParams
from stripe.params.checkout import SessionCreateParams

from gateways.payments.base import (
    GatewayTransaction,
    PaymentGatewayError,
    PaymentNotFound,
    PaymentRequest,
    PaymentSession,
    PaymentStatus,
)
from gateways.payments.stripe_mapping import from_stripe, movement, session_state, to_stripe

NAME = "stripe"
DEFAULT_API_BASE = "https://api.stripe.com"


class StripeGateway:
    """PaymentGateway over Stripe Checkout; `api_base` points tests at stripe-mock."""

    name = NAME

    def __init__(self, api_key: str, *, api_base: str = DEFAULT_API_BASE, timeout: float = 30.0):
        self._http = stripe.AIOHTTPClient(timeout=aiohttp.ClientTimeout(total=timeout))
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=self._http,
            # Safe to retry: the SDK re-sends the same Idempotency-Key.
            max_network_retries=2,
        )

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                checkout_params(request), {"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _error("opening a Checkout Session", exc) from exc
        if not session.url:
            raise PaymentGatewayError(
                f"Checkout Session {session.id} has no payment page", provider=NAME
            )
        return PaymentSession(gateway_payment_id=session.id, payment_url=session.url)

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentStatus:
        """The Checkout Session as Stripe sees it now, with its PaymentIntent expanded."""
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(
                gateway_payment_id, {"expand": ["payment_intent"]}
            )
        except stripe.StripeError as exc:
            raise _error(f"fetching Checkout Session {gateway_payment_id}", exc) from exc
        intent = session.payment_intent
        intent_status = intent.status if isinstance(intent, stripe.PaymentIntent) else None
        currency = (session.currency or "").upper()
        amount = from_stripe(session.amount_total or 0, currency) if currency else 0
        return PaymentStatus(
            gateway_payment_id=session.id,
            state=session_state(session.status, session.payment_status, intent_status),
            amount=amount,
            currency=currency,
        )

    async def session_for_intent(self, payment_intent: str) -> str | None:
        """The Checkout Session that created `payment_intent` (disputes name only the latter)."""
        try:
            found = await self._client.v1.checkout.sessions.list_async(
                {"payment_intent": payment_intent, "limit": 1}
            )
        except stripe.StripeError as exc:
            raise _error(f"finding the session of {payment_intent}", exc) from exc
        return found.data[0].id if found.data else None

    async def charge_refunds(self, charge_id: str) -> list[stripe.Refund]:
        """Every refund of a charge (charge.refunded events no longer carry the list)."""
        try:
            page = await self._client.v1.refunds.list_async({"charge": charge_id, "limit": 100})
            return [refund async for refund in page.auto_paging_iter()]
        except stripe.StripeError as exc:
            raise _error(f"listing the refunds of {charge_id}", exc) from exc

    async def list_transactions(self, since: datetime, until: datetime) -> list[GatewayTransaction]:
        """Payments, refunds and disputes from the balance history, in charge currency."""
        found: list[GatewayTransaction] = []
        try:
            params: BalanceTransactionListParams = {
                "created": {"gte": int(since.timestamp()), "lt": int(until.timestamp())},
                "limit": 100,
                "expand": ["data.source"],
            }
            page = await self._client.v1.balance_transactions.list_async(params)
            async for item in page.auto_paging_iter():
                found.extend(await self._ours(item))
        except stripe.StripeError as exc:
            raise _error("listing balance transactions", exc) from exc
        return found

    async def _ours(self, item: stripe.BalanceTransaction) -> list[GatewayTransaction]:
        moved = movement(item.type, item.source)
        if moved is None:
            return []
        intent = moved.payment_intent
        session = await self.session_for_intent(intent) if intent else None
        at = datetime.fromtimestamp(item.created, UTC)
        return [GatewayTransaction(moved.kind, session or intent or "", moved.reference,
                                   moved.amount, moved.currency, at)]  # fmt: skip

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]


def checkout_params(request: PaymentRequest) -> SessionCreateParams:
    """One line item of the top-up amount; our ids ride along to every later event."""
    ours = {"top_up_id": str(request.top_up_id), "parent_id": request.customer_ref}
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": request.currency.lower(),
                    "unit_amount": to_stripe(request.amount, request.currency),
                    "product_data": {"name": request.description},
                },
            }
        ],
        "client_reference_id": str(request.top_up_id),
        "metadata": ours,
        # Stripe copies PaymentIntent metadata onto its charge, so refund events name us too.
        "payment_intent_data": {"metadata": ours},
        "success_url": request.return_url,
        "cancel_url": request.cancel_url,
    }


def _error(doing: str, exc: stripe.StripeError) -> PaymentGatewayError:
    status = str(exc.http_status or "")
    response = str(exc.json_body or exc.http_body or "")
    if isinstance(exc, stripe.InvalidRequestError) and exc.http_status == 404:
        return PaymentNotFound(f"Stripe: {doing}: {exc.user_message}", provider=NAME,
                               status=status, response=response)  # fmt: skip
    return PaymentGatewayError(
        f"Stripe: {doing} failed: {exc.user_message or exc}",
        provider=NAME,
        status=status,
        response=response,
    )
