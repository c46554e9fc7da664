"""The payment gateways this service opens, by name, from its settings.

A factory returns None when its gateway is not configured (no secret): then it is off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime

from aiohttp import web

from billing.topup_queries import gateway_payment_ids
from gateways.payments import PaymentGateway
from gateways.payments.dev import DevPaymentGateway
from gateways.payments.freedompay import FreedomPayGateway
from gateways.payments.stripe import StripeGateway
from notifier import keys
from notifier.topups.keys import PAYMENT_GATEWAYS as GATEWAYS_KEY

# Where Freedom Pay reports a payment's result (the view is notifier.http.payments.freedompay).
FREEDOMPAY_RESULT_PATH = "/payments/freedompay/result"

GatewayFactory = Callable[[web.Application], PaymentGateway | None]


def _dev(app: web.Application) -> PaymentGateway | None:
    s = app[keys.SETTINGS]
    # Settings refuse the secret outside development; this holds for settings built in code.
    if s.dev_payments_secret is None or not s.development_mode or s.live_gateways:
        return None
    return DevPaymentGateway(s.dev_payments_secret.get_secret_value(), s.public_base_url)


def _freedompay(app: web.Application) -> PaymentGateway | None:
    s = app[keys.SETTINGS]
    if s.freedompay_merchant_id is None or s.freedompay_secret_key is None:
        return None

    async def known_payments(since: datetime, until: datetime) -> list[str]:
        async with app[keys.POOL].acquire() as conn:
            return await gateway_payment_ids(conn, "freedompay", since, until)

    return FreedomPayGateway(
        merchant_id=s.freedompay_merchant_id,
        secret_key=s.freedompay_secret_key.get_secret_value(),
        base_url=s.freedompay_base_url,
        result_url=f"{s.public_base_url.rstrip('/')}{FREEDOMPAY_RESULT_PATH}",
        known_payments=known_payments,
    )


def _stripe(app: web.Application) -> PaymentGateway | None:
    s = app[keys.SETTINGS]
    if s.stripe_api_key is None:
        return None
    return StripeGateway(s.stripe_api_key.get_secret_value(), api_base=s.stripe_api_base)


# The payment gateways by name. Add a gateway here (see gateways/payments/__init__.py).
PAYMENT_GATEWAYS: dict[str, GatewayFactory] = {
    "dev": _dev,
    "freedompay": _freedompay,
    "stripe": _stripe,
}


async def payment_gateways(app: web.Application) -> AsyncIterator[None]:
    """A cleanup_ctx: open the configured gateways. Gateways set under PAYMENT_GATEWAYS
    before the app starts (tests) are kept and win."""
    opened: dict[str, PaymentGateway] = {}
    for name, factory in PAYMENT_GATEWAYS.items():
        gateway = factory(app)
        if gateway is not None:
            opened[name] = gateway
    given: Mapping[str, PaymentGateway] = app.get(GATEWAYS_KEY, {})
    app[GATEWAYS_KEY] = {**opened, **given}
    yield
    for gateway in opened.values():
        await gateway.close()
