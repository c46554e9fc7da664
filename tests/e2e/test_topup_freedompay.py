"""Top-ups through Freedom Pay (a fake that follows its documented API): the payment page,
the signed Result URL call and its signed answer, replays and forgeries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from billing.reconciliation import run_reconciliation
from billing.reports import Period
from notifier import keys
from notifier.topups.keys import PAYMENT_GATEWAYS
from tests.freedompay_fake import ALMATY, FakeFreedomPay
from tests.topup_support import TopUps

pytest_plugins = ("tests.topup_fixtures",)


async def _paid(topups: TopUps, amount: int = 2500_00) -> tuple[dict[str, Any], str]:
    """A top-up the parent paid on Freedom Pay's page, as a browser would."""
    created = await topups.started("par-1", amount, gateway="freedompay")
    async with topups.client.session.get(created["payment_url"]) as page:
        assert page.status == 200
        assert "Оплатить" in await page.text()
    fake = topups.freedompay
    payment_id = list(fake.payments)[-1]  # the one just created
    customer = fake.payments[payment_id].customer
    async with topups.client.session.post(
        f"{fake.base_url}/pay.html",
        data={"customer": customer, "action": "pay"},
        allow_redirects=False,
    ) as pressed:
        assert pressed.status == 303
        assert pressed.headers["Location"].endswith(f"/manager?top_up={created['id']}")
    return created, payment_id


def _last_answer(fake: FakeFreedomPay) -> tuple[int, str, bool]:
    status, answer, signed = fake.answers[-1]
    return status, answer.get("pg_status", ""), signed


async def test_paying_on_freedom_pay_puts_the_amount_on_the_balance(topups: TopUps) -> None:
    created, _ = await _paid(topups, 2500_00)
    assert _last_answer(topups.freedompay) == (200, "ok", True)
    assert await topups.available("par-1") == 2500_00
    assert (await topups.top_up("par-1", created["id"]))["status"] == "succeeded"


async def test_a_repeated_result_call_is_answered_ok_and_credits_once(topups: TopUps) -> None:
    _, payment_id = await _paid(topups, 2500_00)
    assert await topups.freedompay.call_result(payment_id) == 200  # a fresh salt and signature
    assert _last_answer(topups.freedompay) == (200, "ok", True)
    assert await topups.available("par-1") == 2500_00


async def test_a_result_call_with_a_bad_signature_is_refused(topups: TopUps) -> None:
    created = await topups.started("par-1", 2500_00, gateway="freedompay")
    fake = topups.freedompay
    payment_id = next(iter(fake.payments))
    fake.payments[payment_id].status = "success"  # paid, but the call is forged
    forged = fake.result_form(payment_id, pg_sig="0" * 32)
    assert await fake.call_result(payment_id, forged) == 400
    non_ascii = fake.result_form(payment_id, pg_sig="é" * 32)  # once a 500
    assert await fake.call_result(payment_id, non_ascii) == 400
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", created["id"]))["status"] == "pending"


async def test_a_tampered_amount_breaks_the_signature_and_changes_nothing(topups: TopUps) -> None:
    created = await topups.started("par-1", 2500_00, gateway="freedompay")
    fake = topups.freedompay
    payment_id = next(iter(fake.payments))
    fake.payments[payment_id].status = "success"
    tampered = fake.result_form(payment_id, pg_amount="99999")
    assert await fake.call_result(payment_id, tampered) == 400
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", created["id"]))["status"] == "pending"


async def test_a_signed_result_that_the_status_check_contradicts_is_rejected(
    topups: TopUps,
) -> None:
    created = await topups.started("par-1", 2500_00, gateway="freedompay")
    fake = topups.freedompay
    payment_id = next(iter(fake.payments))  # still unpaid at Freedom Pay
    claim = fake.resign(payment_id, {**fake.result_form(payment_id), "pg_result": "1"})
    assert await fake.call_result(payment_id, claim) == 200
    assert _last_answer(fake) == (200, "rejected", True)
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", created["id"]))["status"] == "pending"


async def test_a_declined_payment_fails_the_top_up(topups: TopUps) -> None:
    created = await topups.started("par-1", 2500_00, gateway="freedompay")
    fake = topups.freedompay
    payment = next(iter(fake.payments.values()))
    async with topups.client.session.post(
        f"{fake.base_url}/pay.html", data={"customer": payment.customer, "action": "decline"}
    ):
        pass
    assert _last_answer(fake) == (200, "ok", True)
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", created["id"]))["status"] == "failed"


async def test_finance_sees_the_payment_and_its_refund_as_freedom_pay_lists_them(
    topups: TopUps,
) -> None:
    _, payment_id = await _paid(topups, 2500_00)
    now = datetime.now(ALMATY)
    topups.freedompay.payments[payment_id].refunds.append(("rf-1", "1000.00", now))
    gateway = topups.client.app[PAYMENT_GATEWAYS]["freedompay"]
    listed = await gateway.list_transactions(now - timedelta(days=1), now + timedelta(days=1))
    assert [(t.kind, t.gateway_payment_id, t.reference, t.amount) for t in listed] == [
        ("payment", payment_id, "", 2500_00),
        ("refund", payment_id, "rf-1", 1000_00),
    ]


async def test_a_payment_freedom_pay_does_not_know_is_a_finding_and_the_run_goes_on(
    topups: TopUps,
) -> None:
    _, known = await _paid(topups, 2500_00)
    _, forgotten = await _paid(topups, 1000_00)
    del topups.freedompay.payments[forgotten]  # e.g. made under another merchant id
    gateway = topups.client.app[PAYMENT_GATEWAYS]["freedompay"]
    today = datetime.now(ALMATY).date()
    run = await run_reconciliation(
        topups.client.app[keys.POOL], {"freedompay": gateway}, Period(today, today)
    )
    assert (run.status, run.error) == ("completed", None)
    assert {f.key: f.finding for f in run.findings} == {
        known: "matched",
        forgotten: "missing_at_gateway",
    }
