"""Freedom Pay (formerly PayBox.money; Kazakhstan, Kyrgyzstan): payment page + result callback.

Docs followed: https://freedompay.kz/docs-en/merchant-api/pay (init_payment.php, Result URL)
and https://freedompay.kz/docs-en/merchant-api/after-pay (get_status3.php). Every request and
response is signed with `pg_sig` (see freedompay_signature). Amounts travel in major units
("500.00"); we keep minor units.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import aiohttp

from gateways.payments import freedompay_signature as sig
from gateways.payments.base import (
    GatewayTransaction,
    InvalidEvent,
    InvalidSignature,
    PaymentEvent,
    PaymentGatewayError,
    PaymentNotFound,
    PaymentRequest,
    PaymentSession,
    PaymentState,
    PaymentStatus,
)
from gateways.payments.freedompay_status import major, minor, transactions

# Payment ids of our Freedom Pay top-ups active in [since, until): the API has no listing.
KnownPayments = Callable[[datetime, datetime], Awaitable[list[str]]]
log = logging.getLogger(__name__)
_UNKNOWN_PAYMENT = "340"  # get_status3.php: "Платеж не найден"
_STATES: dict[str, PaymentState] = {"success": "succeeded", "error": "failed"}


class FreedomPayGateway:
    name = "freedompay"

    def __init__(
        self, *, merchant_id: str, secret_key: str, base_url: str, result_url: str,
        known_payments: KnownPayments,
    ) -> None:  # fmt: skip
        self._merchant_id, self._secret = merchant_id, secret_key
        self._base_url = base_url.rstrip("/")
        self.result_url = result_url
        self._known_payments = known_payments
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        reply = await self._call("init_payment.php", [
            ("pg_amount", major(request.amount, request.currency)),
            ("pg_currency", request.currency),
            ("pg_description", request.description),
            ("pg_failure_url", request.cancel_url),
            ("pg_order_id", str(request.top_up_id)),
            ("pg_request_method", "POST"),
            ("pg_result_url", self.result_url),
            ("pg_success_url", request.return_url),
        ])  # fmt: skip
        payment_id, url = sig.field(reply, "pg_payment_id"), sig.field(reply, "pg_redirect_url")
        if not payment_id or not url:
            raise self._error("init_payment.php answered without a payment", reply)
        return PaymentSession(payment_id, url)

    async def fetch_payment(self, gateway_payment_id: str) -> PaymentStatus:
        reply = await self._status(gateway_payment_id)
        state = _STATES.get(sig.field(reply, "pg_payment_status") or "", "pending")
        currency = sig.field(reply, "pg_currency") or ""
        amount = minor(sig.field(reply, "pg_amount") or "", currency)
        return PaymentStatus(gateway_payment_id, state, amount, currency)

    async def list_transactions(self, since: datetime, until: datetime) -> list[GatewayTransaction]:
        """What Freedom Pay holds for the payments we know of. One it does not know is left
        out (reconciliation reports it `missing_at_gateway`) and the listing goes on."""
        found: list[GatewayTransaction] = []
        for payment_id in await self._known_payments(since, until):
            try:
                found += transactions(payment_id, await self._status(payment_id))
            except PaymentNotFound:
                log.warning("freedompay does not know payment %s", payment_id)
        return [tx for tx in found if since <= tx.occurred_at < until]

    async def close(self) -> None:
        await self._http.close()

    def parse_result(self, pairs: Sequence[tuple[str, str]], raw: bytes) -> PaymentEvent:
        """A Result URL call, verified: InvalidSignature unless signed with our secret key."""
        fields = sig.from_form(pairs)
        if not sig.verify(sig.script_name(self.result_url), fields, self._secret):
            raise InvalidSignature("pg_sig of the result call does not match", provider=self.name)
        payment_id, result = sig.field(fields, "pg_payment_id"), sig.field(fields, "pg_result")
        currency = sig.field(fields, "pg_currency") or ""
        if not payment_id or result not in ("0", "1"):
            raise InvalidEvent("result call without pg_payment_id or pg_result", provider=self.name)
        return PaymentEvent(
            event_id=f"result:{payment_id}:{result}",
            gateway=self.name,
            kind="succeeded" if result == "1" else "failed",
            gateway_payment_id=payment_id,
            amount=minor(sig.field(fields, "pg_amount") or "", currency),
            currency=currency,
            reference=None,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
        )

    def answer_result(self, status: str, salt: str, description: str) -> str:
        """The XML a Result URL call is answered with: ok, rejected or error."""
        fields = [("pg_status", status), ("pg_description", description), ("pg_salt", salt)]
        return sig.to_xml(sig.signed(sig.script_name(self.result_url), fields, self._secret))

    async def _status(self, payment_id: str) -> sig.Fields:
        reply = await self._call("get_status3.php", [("pg_payment_id", payment_id)], ok=False)
        # An unknown payment is an error reply with pg_payment_id 0 (code 340).
        unknown = sig.field(reply, "pg_payment_id") in (None, "0")
        if unknown or sig.field(reply, "pg_error_code") == _UNKNOWN_PAYMENT:
            raise PaymentNotFound(f"no payment {payment_id}", provider=self.name)
        if sig.field(reply, "pg_status") != "ok":
            raise self._error("get_status3.php refused", reply)
        return reply

    async def _call(
        self, script: str, fields: list[tuple[str, str]], *, ok: bool = True
    ) -> sig.Fields:
        """The signed reply; with `ok`, PaymentGatewayError unless its pg_status is "ok"."""
        base = [*fields, ("pg_merchant_id", self._merchant_id), ("pg_salt", sig.salt())]
        form = sig.signed(script, base, self._secret)
        try:
            async with self._http.post(f"{self._base_url}/{script}", data=form) as response:
                text = await response.read()
                reply = sig.parse_xml(text)
        except (aiohttp.ClientError, TimeoutError, SyntaxError) as exc:
            raise PaymentGatewayError(f"{script} failed: {exc}", provider=self.name) from exc
        if not sig.verify(script, reply, self._secret):
            raise InvalidSignature(f"pg_sig of {script}'s reply does not match", provider=self.name)
        if ok and sig.field(reply, "pg_status") != "ok":
            raise self._error(f"{script} refused", reply)
        return reply

    def _error(self, message: str, reply: sig.Fields) -> PaymentGatewayError:
        code = sig.field(reply, "pg_error_code") or ""
        detail = sig.field(reply, "pg_error_description") or ""
        return PaymentGatewayError(
            f"{message}: {code} {detail}".strip(), provider=self.name, status=code,
            response=json.dumps(reply, ensure_ascii=False),
        )  # fmt: skip
