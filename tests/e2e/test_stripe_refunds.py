"""Money going back through Stripe: refunds and disputes, delivered as Stripe delivers them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from billing.holds import capture_hold, place_hold
from tests.e2e.api_support import Api
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.stripe_support import (
    DISPUTED_INTENT,
    DISPUTED_SESSION,
    PAID_AMOUNT,
    available,
    charge,
    checkout_session,
    deliver,
    deliver_like_stripe,
    dispute,
    event,
    new_top_up,
    sql,
    start_top_up,
    top_up_status,
)

pytest_plugins = ("tests.e2e.api_fixtures", "tests.stripe_fixtures")
INTENT = "pi_test_refunded"


def _paid(top_up: str, session: str) -> bytes:
    body = checkout_session(session, top_up, "par-1", PAID_AMOUNT, payment_intent=INTENT)
    return event("checkout.session.completed", body)


def _refunded(top_up: str, refunds: list[tuple[str, int]]) -> bytes:
    """charge.refunded as an endpoint on an API version that still lists the refunds."""
    total = sum(amount for _, amount in refunds)
    listed = [_refund(refund_id, amount) for refund_id, amount in refunds]
    body: dict[str, Any] = charge("ch_test_1", INTENT, top_up, PAID_AMOUNT, total)
    body["refunds"] = {"object": "list", "data": listed[::-1], "has_more": False}
    return event("charge.refunded", body, previous={"amount_refunded": total - refunds[-1][1]})


def _refund(refund_id: str, amount: int) -> dict[str, Any]:
    return {"id": refund_id, "object": "refund", "amount": amount, "currency": "kzt",
            "charge": "ch_test_1", "status": "succeeded"}  # fmt: skip


async def _invariants(api: Api) -> None:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        await assert_ledger_invariants(conn)
    finally:
        await conn.close()


async def test_a_partial_then_a_full_refund_take_back_exactly_what_was_refunded(
    stripe_api: Api,
) -> None:
    top_up, session = await start_top_up(stripe_api)
    # The first refund is larger than what the second leaves: naming it again must not count.
    partial = _refunded(top_up, [("re_A", 350_000)])
    full = _refunded(top_up, [("re_A", 350_000), ("re_B", 150_000)])
    await deliver_like_stripe(stripe_api.client, [_paid(top_up, session), partial], seed=3)
    assert await available(stripe_api) == PAID_AMOUNT - 350_000
    assert await top_up_status(stripe_api, top_up) == "partially_refunded"
    await deliver_like_stripe(stripe_api.client, [full, partial], seed=4)
    assert await available(stripe_api) == 0
    assert await top_up_status(stripe_api, top_up) == "refunded"
    refunds = "SELECT string_agg(reference, ',' ORDER BY reference) FROM ledger_transactions"
    assert await sql(stripe_api, refunds + " WHERE kind = 'refund'") == "re_A,re_B"
    await _invariants(stripe_api)


async def test_a_refund_beyond_what_is_left_in_the_balance_is_booked_as_receivable(
    stripe_api: Api,
) -> None:
    top_up, session = await start_top_up(stripe_api)
    assert (await deliver(stripe_api.client, _paid(top_up, session)))[0] == 200
    conn = await asyncpg.connect(stripe_api.settings.database_url)
    try:
        async with conn.transaction():  # 2000.00 KZT spent on SMS since
            at = stripe_api.clock.now() + timedelta(hours=1)
            hold = await place_hold(conn, "par-1", 200_000, reference="sms-1", expires_at=at)
            await capture_hold(conn, hold.id)
    finally:
        await conn.close()
    await deliver_like_stripe(
        stripe_api.client, [_refunded(top_up, [("re_C", PAID_AMOUNT)])], seed=5
    )
    assert await available(stripe_api) == 0
    owed = "SELECT posted FROM ledger_accounts WHERE kind = 'receivable' AND owner = 'par-1'"
    assert await sql(stripe_api, owed) == 200_000
    await _invariants(stripe_api)


async def test_a_refund_event_without_its_list_is_checked_with_stripe_first(
    stripe_api: Api,
) -> None:
    top_up, session = await start_top_up(stripe_api)
    assert (await deliver(stripe_api.client, _paid(top_up, session)))[0] == 200
    bare = event("charge.refunded", charge("ch_test_1", INTENT, top_up, PAID_AMOUNT, 100_000))
    # stripe-mock lists one fixture refund of another charge: not enough to cover 1000.00.
    status, answer = await deliver(stripe_api.client, bare)
    assert (status, answer["error"]["code"]) == (409, "disagrees")
    assert await available(stripe_api) == PAID_AMOUNT


async def test_a_lost_dispute_takes_the_money_and_winning_it_gives_it_back(
    stripe_api: Api,
) -> None:
    # Stripe (stripe-mock) names DISPUTED_SESSION as the session of every PaymentIntent.
    top_up = await new_top_up(stripe_api, DISPUTED_SESSION)
    paid = event(
        "checkout.session.completed",
        checkout_session(DISPUTED_SESSION, top_up, "par-1", PAID_AMOUNT),
    )
    assert (await deliver(stripe_api.client, paid))[0] == 200
    dp = f"dp_{uuid.uuid4().hex[:12]}"
    opened = event("charge.dispute.created", dispute(dp, "ch_1", DISPUTED_INTENT, PAID_AMOUNT,
                                                     "needs_response"))  # fmt: skip
    lost = event("charge.dispute.closed", dispute(dp, "ch_1", DISPUTED_INTENT, PAID_AMOUNT, "lost"))
    await deliver_like_stripe(stripe_api.client, [opened], seed=6)
    assert await top_up_status(stripe_api, top_up) == "disputed"
    assert await available(stripe_api) == PAID_AMOUNT
    await deliver_like_stripe(stripe_api.client, [lost], seed=7)
    assert await available(stripe_api) == 0
    won = event("charge.dispute.closed", dispute(dp, "ch_1", DISPUTED_INTENT, PAID_AMOUNT, "won"))
    await deliver_like_stripe(stripe_api.client, [won], seed=8)
    assert await available(stripe_api) == PAID_AMOUNT
    assert await top_up_status(stripe_api, top_up) == "succeeded"
    await _invariants(stripe_api)
