"""What Freedom Pay's messages mean: amounts in major units, local times, refund lists."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from billing.money import MINOR_UNITS
from gateways.payments import freedompay_signature as sig
from gateways.payments.base import GatewayTransaction, InvalidEvent

# Freedom Pay reports local times without a zone.
GATEWAY_TZ = ZoneInfo("Asia/Almaty")


def transactions(payment_id: str, reply: sig.Fields) -> list[GatewayTransaction]:
    """The payment and its refunds, from a get_status3.php reply."""
    currency = sig.field(reply, "pg_currency") or ""
    found = []
    if sig.field(reply, "pg_payment_status") == "success":
        paid = sig.field(reply, "pg_payment_date") or sig.field(reply, "pg_create_date") or ""
        amount = minor(sig.field(reply, "pg_amount") or "", currency)
        found.append(GatewayTransaction("payment", payment_id, "", amount, currency, _at(paid)))
    for _, refund in sig.nested(reply, "pg_refund_payments"):
        if isinstance(refund, str) or sig.field(refund, "pg_payment_status") != "success":
            continue
        amount = abs(minor(sig.field(refund, "pg_amount") or "", currency))
        reference = sig.field(refund, "pg_payment_id") or ""
        at = _at(sig.field(refund, "pg_payment_date") or "")
        found.append(GatewayTransaction("refund", payment_id, reference, amount, currency, at))
    return found


def _at(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=GATEWAY_TZ)
    except ValueError as exc:
        raise InvalidEvent(f"not a date: {text!r}", provider="freedompay") from exc


def major(amount: int, currency: str) -> str:
    """Minor units -> Freedom Pay's decimal string: 50000, "KZT" -> "500.00"."""
    digits = MINOR_UNITS[currency]
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


def minor(text: str, currency: str) -> int:
    """Freedom Pay's decimal string -> minor units; refuses fractions we cannot hold."""
    try:
        value = Decimal(text).scaleb(MINOR_UNITS.get(currency, 2))
    except InvalidOperation as exc:
        raise InvalidEvent(f"not an amount: {text!r}", provider="freedompay") from exc
    if not value.is_finite() or value != value.to_integral_value():
        raise InvalidEvent(f"amount {text!r} has too many decimals", provider="freedompay")
    return int(value)
