"""Which failures belong to the infrastructure, not to the event being applied.

They are retried with backoff — the same records again, never skipped and never blamed on the
event (no dead letter). Everything else that a record causes is the record's fault.
"""

from __future__ import annotations

import asyncio

import asyncpg

# SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization failure,
# deadlock), 53 insufficient resources, 57 operator intervention (shutting down, starting up,
# backend terminated), 58 system error; 55P03: lock not available.
_TRANSIENT_CLASSES = ("08", "40", "53", "57", "58")
_TRANSIENT_STATES = ("55P03",)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, OSError | asyncio.TimeoutError | asyncpg.InterfaceError):
        return True
    if isinstance(exc, asyncpg.PostgresConnectionError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        state = str(getattr(exc, "sqlstate", "") or "")
        return state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT_STATES
    return False
