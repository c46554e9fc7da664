"""A parent tops up through the dev gateway: API -> payment page -> "Pay" -> balance."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

from gateways.payments.dev import SIGNATURE_HEADER, DevPaymentGateway
from notifier.topups.keys import PAYMENT_GATEWAYS
from tests.topup_support import TopUps

pytest_plugins = ("tests.topup_fixtures",)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def test_paying_on_the_payment_page_puts_the_amount_on_the_balance(topups: TopUps) -> None:
    created = await topups.started("par-1", 1500_00)
    assert created["status"] == "pending"
    assert (created["amount"], created["currency"]) == (1500_00, "KZT")

    page = await topups.client.get(_path(created["payment_url"]))
    text = await page.text()
    assert page.status == 200
    assert "1500.00 KZT" in text
    assert ">Pay<" in text

    pressed = await topups.client.post(
        _path(created["payment_url"]), data={"decision": "pay"}, allow_redirects=False
    )
    assert pressed.status == 303
    assert pressed.headers["Location"].endswith(f"/manager?top_up={created['id']}")
    assert await topups.available("par-1") == 1500_00
    assert (await topups.top_up("par-1", created["id"]))["status"] == "succeeded"


async def test_pay_credits_even_when_public_base_url_names_another_port(
    topups_elsewhere: TopUps,
) -> None:
    # The callback goes to the address the page was served from, not PUBLIC_BASE_URL
    # (which once made "Pay" answer 500 and credit nothing).
    created = await topups_elsewhere.started("par-1", 1500_00)
    pressed = await topups_elsewhere.client.post(
        _path(created["payment_url"]), data={"decision": "pay"}, allow_redirects=False
    )
    assert pressed.status == 303
    assert await topups_elsewhere.available("par-1") == 1500_00


async def test_declining_leaves_the_balance_empty_and_the_top_up_failed(topups: TopUps) -> None:
    created = await topups.started("par-1", 1000_00)
    await topups.client.post(_path(created["payment_url"]), data={"decision": "decline"})
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", created["id"]))["status"] == "failed"


def _gateway(topups: TopUps) -> DevPaymentGateway:
    gateway = topups.client.app[PAYMENT_GATEWAYS]["dev"]
    assert isinstance(gateway, DevPaymentGateway)
    return gateway


async def _paid_callback(topups: TopUps, amount: int) -> tuple[str, bytes, str]:
    """A top-up paid at the gateway whose callback has not been delivered yet."""
    created = await topups.started("par-1", amount)
    gateway = _gateway(topups)
    payment = gateway.payment_for(uuid.UUID(created["id"]))
    assert payment is not None
    body, signature = gateway.decide(payment.payment_id, "succeeded")
    return created["id"], body, signature


async def _deliver(topups: TopUps, body: bytes, signature: str) -> int:
    response = await topups.client.post(
        "/payments/dev/callback", data=body, headers={SIGNATURE_HEADER: signature}
    )
    return response.status


async def test_a_replayed_callback_credits_once(topups: TopUps) -> None:
    _, body, signature = await _paid_callback(topups, 700_00)
    assert await _deliver(topups, body, signature) == 200
    assert await _deliver(topups, body, signature) == 200
    assert await topups.available("par-1") == 700_00


async def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    topups: TopUps,
) -> None:
    top_up_id, body, _signature = await _paid_callback(topups, 700_00)
    assert await _deliver(topups, body, "0" * 64) == 400
    assert await _deliver(topups, body, "é" * 64) == 400  # non-ASCII: once a 500
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", top_up_id))["status"] == "pending"


async def test_a_tampered_amount_is_refused_even_when_signed(topups: TopUps) -> None:
    top_up_id, body, _ = await _paid_callback(topups, 700_00)
    tampered = json.dumps({**json.loads(body), "amount": 70_000_00}).encode()
    assert await _deliver(topups, tampered, signature=_gateway(topups).sign(tampered)) == 400
    assert await topups.available("par-1") == 0
    assert (await topups.top_up("par-1", top_up_id))["status"] == "pending"


async def test_a_tampered_amount_with_the_old_signature_is_refused(topups: TopUps) -> None:
    _, body, signature = await _paid_callback(topups, 700_00)
    tampered = json.dumps({**json.loads(body), "amount": 70_000_00}).encode()
    assert await _deliver(topups, tampered, signature) == 400
    assert await topups.available("par-1") == 0
