"""A parent starts a top-up: created (limits checked) and committed before the gateway is
asked for a payment, so a gateway outage leaves a visible failed top-up, not a lost request.
"""

from __future__ import annotations

import logging
from uuid import UUID

from aiohttp import web

from billing.errors import CurrencyMismatch
from billing.topup_store import TopUp, load, move
from billing.topups import TopUpLimits, attach_payment, create_top_up
from gateways.payments import PaymentGatewayError, PaymentRequest
from notifier import keys
from notifier.topups.errors import CurrencyNotAccepted, GatewayNotAvailable, PaymentNotOpened
from notifier.topups.keys import PAYMENT_GATEWAYS
from notifier.topups.reads import parent_currency

log = logging.getLogger(__name__)
DESCRIPTION = "Пополнение SMS-баланса"  # shown on the gateway's payment page


async def start_top_up(
    app: web.Application, parent_id: str, amount: int, currency: str | None, gateway: str | None
) -> TopUp:
    """The top-up, pending at the gateway with its payment page (`payment_url`).

    Raises GatewayNotAvailable, CurrencyNotAccepted, AmountOutOfRange, DailyLimitReached
    (nothing created) or PaymentNotOpened (the top-up is kept, failed).
    """
    settings, pool = app[keys.SETTINGS], app[keys.POOL]
    name = gateway or settings.payment_gateway
    payments = app[PAYMENT_GATEWAYS].get(name)
    if payments is None:
        raise GatewayNotAvailable(name)
    limits = TopUpLimits(settings.top_up_min, settings.top_up_max, settings.top_up_daily_limit)
    try:
        async with pool.acquire() as conn:
            currency = currency or await parent_currency(conn, parent_id)
            async with conn.transaction():
                top_up = await create_top_up(
                    conn, parent_id=parent_id, amount=amount, currency=currency,
                    gateway=name, limits=limits, now=app[keys.CLOCK].now(),
                )  # fmt: skip
    except CurrencyMismatch as exc:
        raise CurrencyNotAccepted(str(exc)) from exc
    back = f"{settings.public_base_url.rstrip('/')}/manager?top_up={top_up.id}"
    payment = PaymentRequest(
        top_up.id, top_up.amount, top_up.currency, DESCRIPTION, back, back,
        customer_ref=parent_id, idempotency_key=f"top-up-{top_up.id}",
    )  # fmt: skip
    try:
        session = await payments.create_payment(payment)
    except PaymentGatewayError as exc:
        await _gateway_failed(app, top_up.id, exc)
        raise PaymentNotOpened(f"top-up {top_up.id}: the gateway did not open a payment") from exc
    async with pool.acquire() as conn, conn.transaction():
        return await attach_payment(conn, top_up.id, session)


async def _gateway_failed(app: web.Application, top_up_id: UUID, exc: Exception) -> None:
    log.error("top-up %s: the gateway refused to open a payment: %s", top_up_id, exc)
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        top_up = await load(conn, top_up_id, lock=True)
        if top_up is not None and top_up.status == "created":
            await move(conn, top_up, "failed", f"the gateway did not open a payment: {exc}")
