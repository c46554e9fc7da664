"""`python -m notifier import {subscriptions,balances} FILE`: the command-line edge."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

import asyncpg

from notifier.clock import SystemClock
from notifier.onboarding.files import count_lines, file_format, records, sha256
from notifier.onboarding.progress import Progress, RejectFile
from notifier.onboarding.rows import Kind, Record, Reject
from notifier.onboarding.run import BATCH_SIZE, Outcome, import_records

WORKERS = 2  # processes checking rows (phones) beside the one talking to PostgreSQL


class _Shown:
    def __init__(self, progress: Progress, rejects: RejectFile) -> None:
        self.progress, self.rejects = progress, rejects

    def advanced(self, rows: int) -> None:
        self.progress.advanced(rows)

    def rejected(self, rejects: Sequence[Reject]) -> None:
        self.rejects.rejected(rejects)


async def import_file(
    database_url: str, kind: Kind, path: Path, *, rejects: Path | None = None,
    batch_size: int = BATCH_SIZE, out: TextIO = sys.stderr, workers: int = WORKERS,
) -> tuple[Outcome, Path]:  # fmt: skip
    """Import the file (resuming an earlier run of the same content); the outcome and the
    reject file's path."""
    import_id = "sha256:" + sha256(path)
    total = count_lines(path) - (file_format(path) == "csv")
    lines = records(path, kind)
    first = next(lines, None)  # a missing column is refused before anything is written
    reject_file = RejectFile(rejects or path.with_name(path.name + ".rejects.csv"), kind)
    progress = Progress(total, out, tty=out.isatty())
    try:
        async with asyncpg.create_pool(database_url, min_size=1, max_size=2) as pool:
            # Phones are worth other processes; a balance row is checked faster than it
            # could be sent to one, so balances are checked on a thread of this process.
            processes = workers if kind == "subscriptions" else 0
            with _checkers(processes) if processes else nullcontext() as executor:
                outcome = await import_records(
                    pool, kind, import_id, _aiter([first] if first else [], lines),
                    clock=SystemClock(), listener=_Shown(progress, reject_file),
                    batch_size=batch_size, executor=executor, workers=max(processes, 1),
                )  # fmt: skip
    finally:
        progress.finish()
        reject_file.close()
    return outcome, reject_file.path


def _checkers(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from a fresh server process ("forkserver") that has imported
    only the checks: a worker forked from this process would keep the database socket open
    after a kill (the server would hold the killed batch's locks until it exits), and a
    spawned one would import all of `notifier` first."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["notifier.onboarding.checking"])
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with_parent)


def _exit_with_parent() -> None:
    """A checker outlives nothing: once the import is killed (and with it the fork server,
    the checkers' parent), it leaves too."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


async def _aiter(*parts: Iterable[tuple[int, Record]]) -> AsyncIterator[tuple[int, Record]]:
    for part in parts:
        for item in part:
            yield item


def describe(kind: Kind, outcome: Outcome, rejects: Path) -> str:
    resumed = f" ({outcome.resumed_batches} batch(es) done by an earlier run)"
    return (
        f"{kind}: {outcome.rows} rows, {outcome.imported} imported, {outcome.existing} already"
        f" there, {outcome.rejected} rejected (see {rejects})"
        + (resumed if outcome.resumed_batches else "")
    )
