"""Errors of the Notification Manager. One root; the API layer maps each to a status."""

from __future__ import annotations


class ManagerError(Exception):
    """Root of every Notification Manager error."""


class NotFound(ManagerError, LookupError):
    """No such thing for this caller: unknown, or another parent's (indistinguishable)."""


class TooManyRequests(ManagerError):
    """A rate limit was reached; `retry_after` seconds until the next attempt is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadyVerified(ManagerError):
    """The parent already verified this phone; no code is needed."""


class InvalidLink(ManagerError, ValueError):
    """A signed link that was tampered with (`reason="invalid"`) or is too old ("expired")."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"unsubscribe link is {reason}")
        self.reason = reason


class InvalidCursor(ManagerError, ValueError):
    """A paging cursor that this service did not issue."""


class NotConfigured(ManagerError):
    """A secret this feature needs (LINK_SIGNING_SECRET) is not set."""
