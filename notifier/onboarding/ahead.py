"""Records cut into numbered batches, read and checked ahead of the batch being applied.

Reading a file and checking its rows cost the importing process as much as the database
takes to apply a batch, so they run beside it: a task reads and starts the checks of up to
`depth` batches while the caller applies the earliest one. Reading gives way to the event
loop every few thousand rows, so the statements of the batch being applied are not held up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from notifier.onboarding.rows import Record

T = TypeVar("T")
_YIELD_EVERY = 2_000  # rows read between two turns of the event loop


@dataclass(frozen=True)
class Batch:
    number: int
    records: list[tuple[int, Record]]


async def batches(records: AsyncIterator[tuple[int, Record]], size: int) -> AsyncIterator[Batch]:
    batch: list[tuple[int, Record]] = []
    number = 0
    async for record in records:
        batch.append(record)
        if len(batch) % _YIELD_EVERY == 0:
            await asyncio.sleep(0)
        if len(batch) == size:
            yield Batch(number, batch)
            batch, number = [], number + 1
    if batch:
        yield Batch(number, batch)


@dataclass(frozen=True)
class _End(Generic[T]):
    error: BaseException | None = None


async def ahead(
    items: AsyncIterator[Batch], check: Callable[[Batch], Awaitable[T]], depth: int = 2
) -> AsyncIterator[tuple[Batch, T]]:
    """Each batch with its check, in order; up to `depth` later ones read and being checked
    meanwhile. An error reading is raised here, after the batches read before it."""
    queue: asyncio.Queue[tuple[Batch, asyncio.Future[T]] | _End[T]] = asyncio.Queue(depth)

    async def read() -> None:
        try:
            async for batch in items:
                await queue.put((batch, asyncio.ensure_future(check(batch))))
        except Exception as exc:
            await queue.put(_End(exc))
        else:
            await queue.put(_End())

    reader = asyncio.ensure_future(read())
    try:
        while not isinstance(item := await queue.get(), _End):
            yield item[0], await item[1]
        if item.error is not None:
            raise item.error
    finally:
        reader.cancel()
        while not queue.empty():
            if not isinstance(left := queue.get_nowait(), _End):
                left[1].cancel()
