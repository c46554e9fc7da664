"""A transaction PostgreSQL rolled back to break a deadlock runs again; other failures do not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from notifier.transient import is_conflict, retry_transaction


def _failing(*errors: Exception) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    calls: list[int] = []

    async def transaction() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "committed"

    return calls, transaction


async def test_a_deadlock_and_a_serialization_failure_are_run_again() -> None:
    calls, transaction = _failing(
        asyncpg.DeadlockDetectedError("deadlock detected"),
        asyncpg.SerializationError("could not serialize access"),
    )
    retried: list[int] = []
    done = await retry_transaction(transaction, what="t", on_retry=lambda: retried.append(1))
    assert (done, len(calls), len(retried)) == ("committed", 3, 2)


async def test_any_other_failure_is_not_run_again() -> None:
    calls, transaction = _failing(asyncpg.UniqueViolationError("duplicate key"))
    with pytest.raises(asyncpg.UniqueViolationError):
        await retry_transaction(transaction, what="t")
    assert len(calls) == 1


async def test_it_gives_up_after_its_attempts() -> None:
    calls, transaction = _failing(*[asyncpg.DeadlockDetectedError("deadlock")] * 5)
    with pytest.raises(asyncpg.DeadlockDetectedError):
        await retry_transaction(transaction, what="t", attempts=3)
    assert len(calls) == 3


def test_conflicts_are_told_by_their_sqlstate() -> None:
    assert is_conflict(asyncpg.DeadlockDetectedError("x"))
    assert is_conflict(asyncpg.SerializationError("x"))
    assert not is_conflict(asyncpg.LockNotAvailableError("x"))
    assert not is_conflict(OSError("connection reset"))
