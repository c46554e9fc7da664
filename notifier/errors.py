"""Errors of the notification pipeline."""

from __future__ import annotations


class NotifierError(Exception):
    """Root of the notifier's errors."""


class Unreachable(NotifierError, ConnectionError):
    """PostgreSQL or the broker could not be reached (or refused us) at start-up; the message
    names the setting to check."""


class RejectedEvent(NotifierError, ValueError):
    """A well-formed event that cannot be applied (e.g. it names a pupil we never saw).

    It goes to the dead-letter topic with this message as the reason."""


class NotYetKnown(RejectedEvent):
    """The event names a pupil or class the roster has not brought yet. Roster and the other
    topics are not ordered with each other, so the event waits (parked) for a bounded time
    before it is dead-lettered with this message."""
