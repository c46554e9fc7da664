"""The Stripe gateway against a real stripe-mock: requests Stripe's API schema accepts, and
what we read back. stripe-mock validates every parameter but answers from fixtures."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from gateways.payments import PaymentRequest
from gateways.payments.stripe import StripeGateway, checkout_params
from gateways.payments.stripe_mapping import (
    Movement,
    UnsupportedCurrency,
    from_stripe,
    movement,
    session_state,
    to_stripe,
)
from tests.stripe_support import (
    DISPUTED_SESSION,
    PAID_AMOUNT,
    WEBHOOK_SECRET,
    event,
    signature_header,
)

pytest_plugins = ("tests.stripe_fixtures",)


def _request(amount: int = 5000_00, currency: str = "KZT") -> PaymentRequest:
    top_up = uuid.uuid4()
    back = f"https://notify.example.kz/manager?top_up={top_up}"
    return PaymentRequest(top_up, amount, currency, "Пополнение SMS-баланса", back, back,
                          customer_ref="par-1", idempotency_key=f"top-up-{top_up}")  # fmt: skip


@pytest.fixture
async def gateway(stripe_mock: str) -> AsyncIterator[StripeGateway]:
    opened = StripeGateway("sk_test_" + "0" * 24, api_base=stripe_mock)
    yield opened
    await opened.close()


async def test_a_top_up_opens_a_checkout_session_with_a_payment_page(
    gateway: StripeGateway,
) -> None:
    session = await gateway.create_payment(_request())
    assert session.gateway_payment_id.startswith("cs_")
    assert session.payment_url.startswith("https://checkout.stripe.com/")


async def test_each_top_up_gets_its_own_checkout_session(gateway: StripeGateway) -> None:
    first = await gateway.create_payment(_request())
    second = await gateway.create_payment(_request())
    assert first.gateway_payment_id != second.gateway_payment_id


def test_the_session_names_our_top_up_and_sends_the_payer_back_to_the_manager() -> None:
    request = _request(1234_56, "KGS")
    params = checkout_params(request)
    assert params["client_reference_id"] == str(request.top_up_id)
    assert params["metadata"] == {"top_up_id": str(request.top_up_id), "parent_id": "par-1"}
    assert params["payment_intent_data"] == {"metadata": params["metadata"]}
    assert params["success_url"].endswith(f"/manager?top_up={request.top_up_id}")
    price = params["line_items"][0]["price_data"]
    assert (price["currency"], price["unit_amount"]) == ("kgs", 1234_56)


async def test_a_currency_stripe_is_not_set_up_for_is_refused_before_calling_stripe(
    gateway: StripeGateway,
) -> None:
    with pytest.raises(UnsupportedCurrency, match="USD"):
        await gateway.create_payment(_request(currency="USD"))


def test_kzt_and_kgs_are_two_decimal_at_stripe_as_in_our_ledger() -> None:
    assert to_stripe(5000_00, "KZT") == 5000_00
    assert from_stripe(1234_56, "kgs") == 1234_56
    with pytest.raises(UnsupportedCurrency):
        to_stripe(100, "JPY")


def test_only_a_paid_complete_session_counts_as_succeeded() -> None:
    assert session_state("complete", "paid", "succeeded") == "succeeded"
    assert session_state("complete", "unpaid", "processing") == "pending"  # bank debit
    assert session_state("open", "unpaid", None) == "pending"
    assert session_state("expired", "unpaid", None) == "expired"
    assert session_state("complete", "unpaid", "canceled") == "failed"


async def test_fetching_a_session_reads_what_stripe_says_was_paid(gateway: StripeGateway) -> None:
    status = await gateway.fetch_payment("cs_test_ours")
    assert status.gateway_payment_id == "cs_test_ours"  # stripe-mock echoes the id asked for
    assert (status.state, status.amount, status.currency) == ("succeeded", PAID_AMOUNT, "KZT")


async def test_a_payment_intent_leads_back_to_its_checkout_session(gateway: StripeGateway) -> None:
    assert await gateway.session_for_intent("pi_test_any") == DISPUTED_SESSION


async def test_reconciliation_lists_only_movements_in_currencies_we_hold(
    gateway: StripeGateway,
) -> None:
    until = datetime.now(UTC)
    listed = await gateway.list_transactions(until - timedelta(days=1), until)
    # stripe-mock's only balance transaction is a USD charge: not a top-up of ours.
    assert listed == []


def test_our_webhook_signer_matches_stripes_own_verification() -> None:
    body = event("checkout.session.completed", {"id": "cs_1", "object": "checkout.session"})
    now = int(time.time())
    header = signature_header(body, WEBHOOK_SECRET, now)
    assert stripe.WebhookSignature.verify_header(body, header, WEBHOOK_SECRET, 300)
    assert header == stripe.WebhookSignature.generate_signature_header(
        body.decode(), WEBHOOK_SECRET, now
    )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(body + b" ", header, WEBHOOK_SECRET, 300)


def test_balance_history_is_read_in_the_currency_the_payer_was_charged() -> None:
    def obj(kind: type[stripe.StripeObject], **values: object) -> object:
        return kind.construct_from({"payment_intent": "pi_1", **values}, "sk_test")

    charge = obj(stripe.Charge, id="ch_1", amount=5000_00, currency="kzt")
    refund = obj(stripe.Refund, id="re_1", amount=1500_00, currency="kzt")
    lost = obj(stripe.Dispute, id="dp_1", amount=3500_00, currency="kzt")
    assert movement("charge", charge) == Movement("payment", "pi_1", "", 5000_00, "KZT")
    assert movement("refund", refund) == Movement("refund", "pi_1", "re_1", 1500_00, "KZT")
    assert movement("adjustment", lost) == Movement("dispute", "pi_1", "dp_1", 3500_00, "KZT")
    assert movement("charge", obj(stripe.Charge, id="ch_2", amount=9_99, currency="usd")) is None
    assert movement("payout", None) is None
    # A refund that failed later (charge.refund.updated, status failed) came back to us.
    failed = obj(stripe.Refund, id="re_1", amount=1500_00, currency="kzt", status="failed")
    assert movement("refund_failure", failed) == Movement("refund", "pi_1", "re_1", -1500_00, "KZT")
