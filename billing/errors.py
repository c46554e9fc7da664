"""Errors raised by billing. One root, so callers can catch everything money-related."""

from __future__ import annotations


class BillingError(Exception):
    """Root of every billing error."""


class InsufficientFunds(BillingError):
    """The wallet's available balance does not cover the amount."""

    def __init__(self, parent_id: str, needed: int, available: int, currency: str) -> None:
        super().__init__(
            f"wallet of parent {parent_id} has {available} {currency} available, needs {needed}"
        )
        self.parent_id = parent_id
        self.needed = needed
        self.available = available
        self.currency = currency


class NoWallet(InsufficientFunds):
    """The parent never topped up, so there is nothing to spend."""

    def __init__(self, parent_id: str, needed: int, currency: str) -> None:
        super().__init__(parent_id, needed, 0, currency)


class CurrencyMismatch(BillingError, ValueError):
    """An amount in one currency was applied to an account held in another."""


class InvalidAmount(BillingError, ValueError):
    """Amounts are positive integers in minor units."""


class HoldAlreadyResolved(BillingError):
    """A hold was captured, released or expired before; resolving it again is a no-op."""

    def __init__(self, hold_id: int, status: str) -> None:
        super().__init__(f"hold {hold_id} already resolved: {status}")
        self.hold_id = hold_id
        self.status = status


class NoTariff(BillingError, LookupError):
    """No tariff is in force for this currency (and destination)."""
