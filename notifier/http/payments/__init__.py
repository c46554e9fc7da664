"""Payments at the edge: the top-up API (api), the dev payment page and its callback (dev),
Freedom Pay's result URL (freedompay) and Stripe's webhook (stripe_webhook). Each view
decodes, calls one use case of notifier.topups and encodes its answer.
"""

from __future__ import annotations

from aiohttp import web

from notifier.http.payments import api, dev, freedompay, stripe_webhook


def routes() -> list[web.RouteDef]:
    return api.routes() + dev.routes() + freedompay.routes() + stripe_webhook.routes()
