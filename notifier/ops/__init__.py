"""The ops console's reads: dashboard figures, the per-phone support lookup, dead letters.

Plain queries over the outbox, the ledger and the broker; no HTTP here (notifier/http/ops.py
decodes requests and calls these)."""

from __future__ import annotations


class OpsError(Exception):
    """Root of the ops console's errors."""


class BrokerUnavailable(OpsError, ConnectionError):
    """The broker did not answer in time: dead-letter figures and consumer lag are unknown."""
