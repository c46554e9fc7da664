"""Errors of the top-up use cases. One root; notifier.http.errors maps each to a status.

Billing's own refusals (AmountOutOfRange, DailyLimitReached) pass through unchanged.
"""

from __future__ import annotations


class TopUpError(Exception):
    """Root of every top-up use-case error."""


class GatewayNotAvailable(TopUpError, LookupError):
    """The parent asked for a payment gateway this service has not configured."""

    def __init__(self, name: str) -> None:
        super().__init__(f"payment gateway {name!r} is not available")
        self.name = name


class CurrencyNotAccepted(TopUpError, ValueError):
    """Top-ups in this currency are not taken, or the balance is kept in another one."""


class PaymentNotOpened(TopUpError):
    """The gateway did not open a payment; the top-up was marked failed."""


class NotConfirmed(TopUpError):
    """The gateway could not be asked about an event it sent; nothing recorded, ask later."""


class TopUpNotFound(TopUpError, LookupError):
    """No such top-up for this parent: unknown, or another parent's (indistinguishable)."""


class NoGatewaysToReconcile(TopUpError):
    """No payment gateway is configured, so there is nothing to reconcile the ledger with."""


class ReferenceConflict(TopUpError):
    """A manual credit's reference was used for another credit (parent, amount or currency)."""


class UnknownParent(TopUpError, LookupError):
    """A manual credit for a parent the roster does not know: it would open a wallet of no
    school. Refused unless the caller says so (``allow_unknown_parent``)."""
