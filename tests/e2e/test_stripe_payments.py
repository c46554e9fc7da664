"""Paying a top-up through Stripe: a real stripe-mock, signed webhooks over real HTTP."""

from __future__ import annotations

import json
import time

import asyncpg

from tests.e2e.api_support import Api
from tests.integration.ledger_checks import assert_ledger_invariants
from tests.stripe_support import (
    PAID_AMOUNT,
    WEBHOOK_SECRET,
    available,
    checkout_session,
    deliver,
    deliver_like_stripe,
    event,
    new_top_up,
    signature_header,
    sql,
    start_top_up,
    top_up_status,
)

pytest_plugins = ("tests.e2e.api_fixtures", "tests.stripe_fixtures")


async def _invariants(api: Api) -> None:
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        await assert_ledger_invariants(conn)
    finally:
        await conn.close()


async def _paid(api: Api, top_up_id: str, session_id: str, kind: str, **over: str) -> bytes:
    return event(kind, checkout_session(session_id, top_up_id, "par-1", PAID_AMOUNT, **over))


async def test_a_card_payment_credits_the_balance_exactly_once(stripe_api: Api) -> None:
    top_up, session = await start_top_up(stripe_api)
    assert await top_up_status(stripe_api, top_up) == "pending"
    completed = await _paid(stripe_api, top_up, session, "checkout.session.completed")
    await deliver_like_stripe(stripe_api.client, [completed], seed=1)
    assert await available(stripe_api) == PAID_AMOUNT
    assert await top_up_status(stripe_api, top_up) == "succeeded"
    credits = "SELECT count(*) FROM ledger_transactions WHERE kind = 'top_up'"
    assert await sql(stripe_api, credits) == 1
    await _invariants(stripe_api)


async def test_a_delayed_payment_is_credited_once_it_settles_whatever_the_order(
    stripe_api: Api,
) -> None:
    top_up, session = await start_top_up(stripe_api)
    submitted = await _paid(
        stripe_api, top_up, session, "checkout.session.completed", payment_status="unpaid"
    )
    settled = await _paid(stripe_api, top_up, session, "checkout.session.async_payment_succeeded")
    await deliver_like_stripe(stripe_api.client, [submitted, settled], seed=2)
    assert await available(stripe_api) == PAID_AMOUNT
    assert await top_up_status(stripe_api, top_up) == "succeeded"
    await _invariants(stripe_api)


async def test_a_forged_or_stale_webhook_is_refused_and_changes_nothing(stripe_api: Api) -> None:
    top_up, session = await start_top_up(stripe_api)
    body = await _paid(stripe_api, top_up, session, "checkout.session.completed")
    stale = int(time.time()) - 301
    forged = [
        signature_header(body, "whsec_not_ours_" + "1" * 24),
        signature_header(body, WEBHOOK_SECRET, stale),  # correctly signed, too old: a replay
        signature_header(body + b"\n", WEBHOOK_SECRET),  # signed other bytes
        "",
        "t=abc,v1=zz",
        f"t={int(time.time())},v1=" + "é" * 64,  # non-ASCII: once a TypeError, a 500
    ]
    for header in forged:
        status, answer = await deliver(stripe_api.client, body, header=header or "")
        assert (status, answer["error"]["code"]) == (400, "invalid_signature"), header
    assert await available(stripe_api) == 0
    assert await top_up_status(stripe_api, top_up) == "pending"
    assert await sql(stripe_api, "SELECT count(*) FROM payment_events") == 0


async def test_a_payment_stripe_does_not_confirm_is_not_credited(stripe_api: Api) -> None:
    # The event claims 3000.00 KZT was paid; Stripe itself (stripe-mock) holds 5000.00.
    top_up, session = await start_top_up(stripe_api, amount=300_000)
    body = event("checkout.session.completed", checkout_session(session, top_up, "par-1", 300_000))
    status, answer = await deliver(stripe_api.client, body)
    assert (status, answer["error"]["code"]) == (409, "disagrees")
    assert await available(stripe_api) == 0
    assert await sql(stripe_api, "SELECT count(*) FROM payment_events") == 0


async def test_an_event_about_another_stripe_payment_is_acknowledged_and_ignored(
    stripe_api: Api,
) -> None:
    other = {"id": "cs_test_other", "object": "checkout.session", "payment_status": "paid",
             "amount_total": 999, "currency": "usd", "metadata": {}}  # fmt: skip
    status, answer = await deliver(stripe_api.client, event("checkout.session.completed", other))
    assert (status, answer["outcomes"]) == (200, [])


async def test_an_event_id_replayed_with_another_body_is_refused(stripe_api: Api) -> None:
    top_up, session = await start_top_up(stripe_api)
    body = await _paid(stripe_api, top_up, session, "checkout.session.completed")
    assert (await deliver(stripe_api.client, body))[0] == 200
    altered = json.loads(body)
    altered["data"]["object"]["metadata"]["parent_id"] = "par-2"
    status, answer = await deliver(stripe_api.client, json.dumps(altered).encode())
    assert (status, answer["error"]["code"]) == (409, "conflict")
    assert await available(stripe_api) == PAID_AMOUNT


async def test_a_payment_whose_session_was_never_recorded_is_still_credited(
    stripe_api: Api,
) -> None:
    # The request that opened the session died before saving its id: the top-up id that
    # Stripe signed back (client_reference_id) is enough to find it.
    top_up = await new_top_up(stripe_api)
    paid = checkout_session("cs_test_never_saved", top_up, "par-1", PAID_AMOUNT)
    await deliver_like_stripe(
        stripe_api.client, [event("checkout.session.completed", paid)], seed=9
    )
    assert await available(stripe_api) == PAID_AMOUNT
    assert await top_up_status(stripe_api, top_up) == "succeeded"
