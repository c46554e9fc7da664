"""Which failures belong to the infrastructure, not to the event being applied.

They are retried with backoff — the same records again, never skipped and never blamed on the
event (no dead letter). Everything else that a record causes is the record's fault.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

log = logging.getLogger(__name__)
T = TypeVar("T")

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


# 40001 serialization failure, 40P01 deadlock detected: PostgreSQL rolled the transaction
# back whole to let another one through, so running it again is always safe.
_CONFLICTS = ("40001", "40P01")


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction was chosen to give way."""
    return isinstance(exc, asyncpg.PostgresError) and getattr(exc, "sqlstate", None) in _CONFLICTS


async def retry_transaction(
    transaction: Callable[[], Awaitable[T]],
    *,
    what: str,
    retry_if: Callable[[BaseException], bool] = is_conflict,
    attempts: int = 20,
    on_retry: Callable[[], None] = lambda: None,
) -> T:
    """Run `transaction` (which opens and commits a transaction of its own) and run it again
    where it failed when `retry_if` says so, after a short random pause (so the two sides of
    a deadlock do not meet again), up to `attempts` times; the loop that asked goes on."""
    for attempt in range(1, attempts + 1):
        try:
            return await transaction()
        except Exception as exc:
            if attempt == attempts or not retry_if(exc):
                raise
            pause = random.uniform(0.01, min(0.05 * 2**attempt, 2.0))  # noqa: S311 (jitter)
            log.warning("%s gave way (%r); again in %.2fs", what, exc, pause)
            on_retry()
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
