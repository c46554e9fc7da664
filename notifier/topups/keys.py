"""The app key under which the configured payment gateways live (by name)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from gateways.payments import PaymentGateway

PAYMENT_GATEWAYS: web.AppKey[Mapping[str, PaymentGateway]] = web.AppKey("payment_gateways")
