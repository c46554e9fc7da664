"""The one exception type devstack raises when infrastructure cannot be brought up."""

from __future__ import annotations


class InfraError(RuntimeError):
    """An embedded server could not be prepared, started or reached.

    The message says what failed and, where a server log exists, ends with its tail.
    """
