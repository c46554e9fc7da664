"""A fake Freedom Pay for tests: the documented merchant API, on loopback.

Same script names, fields, XML and pg_sig scheme as https://freedompay.kz/docs-en/merchant-api/
(init_payment.php, the payment page, the Result URL call, get_status3.php). Signatures are
computed here independently of gateways.payments.freedompay_signature, straight from the
documented rule, so the two check each other.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

ALMATY = ZoneInfo("Asia/Almaty")


# An XML message: (tag, text or child tags) in document order.
Tags = list[tuple[str, "str | Tags"]]


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def pg_sig(script: str, params: dict[str, str], secret: str) -> str:
    """md5("script;v1;v2;...;secret"), values ordered by their names, pg_sig left out."""
    values = [params[name] for name in sorted(params) if name != "pg_sig"]
    return md5(";".join([script, *values, secret]))


def _values(tags: Tags) -> list[str]:
    # Nested tags: the same rule, recursively; same names keep their order (stable sort).
    ordered = sorted((t for t in tags if t[0] != "pg_sig"), key=lambda t: t[0])
    return [
        v for _, value in ordered for v in ([value] if isinstance(value, str) else _values(value))
    ]


def _render(tags: Tags) -> str:
    return "".join(f"<{k}>{v if isinstance(v, str) else _render(v)}</{k}>" for k, v in tags)


def signed_xml(script: str, fields: dict[str, str] | Tags, secret: str) -> str:
    tags: Tags = [*(fields.items() if isinstance(fields, dict) else fields)]
    tags.append(("pg_salt", secrets.token_hex(8)))
    tags.append(("pg_sig", md5(";".join([script, *_values(tags), secret]))))
    return f'<?xml version="1.0" encoding="utf-8"?>\n<response>{_render(tags)}</response>'


@dataclass
class FakePayment:
    payment_id: str
    order_id: str
    amount: str
    currency: str
    description: str
    result_url: str
    success_url: str
    failure_url: str
    customer: str
    status: str = "new"  # new -> success | error
    paid_at: datetime | None = None
    refunds: list[tuple[str, str, datetime]] = field(default_factory=list)


@dataclass
class FakeFreedomPay:
    merchant_id: str
    secret: str
    base_url: str = ""
    payments: dict[str, FakePayment] = field(default_factory=dict)
    # Every merchant answer to a Result URL call: (HTTP status, fields, signature valid).
    answers: list[tuple[int, dict[str, str], bool]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(4_567_000))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/init_payment.php", self._init_payment)
        app.router.add_post("/get_status3.php", self._get_status)
        app.router.add_get("/pay.html", self._page)
        app.router.add_post("/pay.html", self._pay)
        return app

    async def _form(self, request: web.Request) -> dict[str, str] | web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        script = request.path.rsplit("/", 1)[-1]
        if form.get("pg_merchant_id") != self.merchant_id:
            body = "<response><pg_status>error</pg_status><pg_error_code>9998</pg_error_code>"
            return web.Response(text=body + "</response>", content_type="text/xml")
        if form.get("pg_sig") != pg_sig(script, form, self.secret):
            error = {"pg_status": "error", "pg_error_code": "9999",
                     "pg_error_description": "Неверная подпись запроса"}  # fmt: skip
            return self._xml(signed_xml(script, error, self.secret))
        return form

    async def _init_payment(self, request: web.Request) -> web.Response:
        form = await self._form(request)
        if isinstance(form, web.Response):
            return form
        payment = FakePayment(
            str(next(self._ids)), form["pg_order_id"], form["pg_amount"],
            form.get("pg_currency", "KZT"), form["pg_description"], form["pg_result_url"],
            form["pg_success_url"], form["pg_failure_url"], secrets.token_hex(16),
        )  # fmt: skip
        self.payments[payment.payment_id] = payment
        reply = {
            "pg_status": "ok",
            "pg_payment_id": payment.payment_id,
            "pg_redirect_url": f"{self.base_url}/pay.html?customer={payment.customer}",
            "pg_redirect_url_type": "need data",
        }
        return self._xml(signed_xml("init_payment.php", reply, self.secret))

    async def _get_status(self, request: web.Request) -> web.Response:
        form = await self._form(request)
        if isinstance(form, web.Response):
            return form
        payment = self.payments.get(form.get("pg_payment_id", ""))
        if payment is None:
            reply = {"pg_status": "error", "pg_payment_id": "0", "pg_error_code": "340",
                     "pg_error_description": "Платеж не найден"}  # fmt: skip
            return self._xml(signed_xml("get_status3.php", reply, self.secret))
        return self._xml(self._status_xml(payment))

    def _status_xml(self, p: FakePayment) -> str:
        status = {"new": "pending"}.get(p.status, p.status)
        tags: Tags = [
            ("pg_status", "ok"), ("pg_payment_id", p.payment_id), ("pg_order_id", p.order_id),
            ("pg_can_reject", "1"), ("pg_payment_method", "bankcard"), ("pg_amount", p.amount),
            ("pg_currency", p.currency), ("pg_payment_status", status),
            ("pg_create_date", "2025-01-01 10:00:00"),
        ]  # fmt: skip
        if p.paid_at:
            tags.append(("pg_payment_date", f"{p.paid_at:%Y-%m-%d %H:%M:%S}"))
        if p.refunds:
            tags.append(("pg_refund_payments", [("pg_refund_payment", [
                ("pg_payment_id", rid), ("pg_payment_status", "success"),
                ("pg_amount", f"-{amount}"), ("pg_payment_date", f"{at:%Y-%m-%d %H:%M:%S}"),
            ]) for rid, amount, at in p.refunds]))  # fmt: skip
        return signed_xml("get_status3.php", tags, self.secret)

    def _by_customer(self, request: web.Request, customer: str | None) -> FakePayment:
        found = [p for p in self.payments.values() if p.customer == customer]
        if not found:
            raise web.HTTPNotFound()
        return found[0]

    async def _page(self, request: web.Request) -> web.Response:
        p = self._by_customer(request, request.query.get("customer"))
        page = (
            f"<html><body><p>{p.description}</p><p>{p.amount} {p.currency}</p>"
            f'<form method="post"><input type="hidden" name="customer" value="{p.customer}">'
            '<button name="action" value="pay">Оплатить</button>'
            '<button name="action" value="decline">Отказаться</button></form></body></html>'
        )
        return web.Response(text=page, content_type="text/html")

    async def _pay(self, request: web.Request) -> web.Response:
        form = await request.post()
        customer = form.get("customer")
        p = self._by_customer(request, customer if isinstance(customer, str) else None)
        success = form.get("action") == "pay"
        if p.status == "new":
            p.status, p.paid_at = ("success" if success else "error"), datetime.now(ALMATY)
            await self.call_result(p.payment_id)
        raise web.HTTPSeeOther(p.success_url if p.status == "success" else p.failure_url)

    def result_form(self, payment_id: str, **override: str) -> dict[str, str]:
        """The Result URL call for a payment, signed (then `override` applied, unsigned)."""
        p = self.payments[payment_id]
        form = {
            "pg_order_id": p.order_id, "pg_payment_id": p.payment_id, "pg_amount": p.amount,
            "pg_currency": p.currency, "pg_net_amount": p.amount, "pg_ps_amount": p.amount,
            "pg_ps_full_amount": p.amount, "pg_ps_currency": p.currency,
            "pg_description": p.description, "pg_result": "1" if p.status == "success" else "0",
            "pg_payment_date": f"{p.paid_at or datetime.now(ALMATY):%Y-%m-%d %H:%M:%S}",
            "pg_can_reject": "1", "pg_testing_mode": "1", "pg_captured": "1",
            "pg_card_pan": "4405-64XX-XXXX-6150", "pg_salt": secrets.token_hex(8),
        }  # fmt: skip
        form["pg_sig"] = pg_sig(urlsplit(p.result_url).path.rsplit("/", 1)[-1], form, self.secret)
        return {**form, **override}

    def resign(self, payment_id: str, form: dict[str, str]) -> dict[str, str]:
        """`form` signed with the real secret, as Freedom Pay would sign it."""
        script = urlsplit(self.payments[payment_id].result_url).path.rsplit("/", 1)[-1]
        return {**form, "pg_sig": pg_sig(script, form, self.secret)}

    async def call_result(self, payment_id: str, form: dict[str, str] | None = None) -> int:
        """Call the merchant's Result URL as Freedom Pay does; record and return the status."""
        p = self.payments[payment_id]
        form = form or self.result_form(payment_id)
        async with aiohttp.ClientSession() as http, http.post(p.result_url, data=form) as r:
            text = await r.text()
        answer = {el.tag: el.text or "" for el in ElementTree.fromstring(text)}  # noqa: S314
        script = urlsplit(p.result_url).path.rsplit("/", 1)[-1]
        valid = answer.get("pg_sig") == pg_sig(script, answer, self.secret)
        self.answers.append((r.status, answer, valid))
        return r.status

    @staticmethod
    def _xml(text: str) -> web.Response:
        return web.Response(text=text, content_type="text/xml")
