"""Money as integers in minor units, with the ISO currency beside it. Never floats."""

from __future__ import annotations

from dataclasses import dataclass

from billing.errors import InvalidAmount

# ISO 4217 minor units of the currencies we hold.
MINOR_UNITS = {"KZT": 2, "KGS": 2}
COUNTRY_CURRENCY = {"KZ": "KZT", "KG": "KGS"}


@dataclass(frozen=True, order=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise InvalidAmount(f"unsupported currency {self.currency!r}")

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def format_amount(amount: int, currency: str) -> str:
    """`4000, "KZT"` -> `"40.00 KZT"`."""
    digits = MINOR_UNITS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d} {currency}"


def require_positive(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount(f"amount must be a positive integer in minor units, got {amount!r}")
    return amount
