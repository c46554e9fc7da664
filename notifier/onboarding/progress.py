"""What an import shows while it runs: a bar with rows/s and ETA on a terminal, one plain line
per batch otherwise (logs, CI), and the reject file."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from notifier.onboarding.rows import COLUMNS, Kind, Reject

_BAR = 30


def describe(done: int, total: int, seconds: float) -> str:
    """'[#####-----]  50%  800,000/1,600,000 rows  6,100 rows/s  ETA 2m11s'."""
    rate = done / seconds if seconds > 0 else 0.0
    share = min(done / total, 1.0) if total else 1.0
    filled = int(share * _BAR)
    left = (total - done) / rate if rate and total > done else 0.0
    return (f"[{'#' * filled}{'-' * (_BAR - filled)}] {share:4.0%}  {done:,}/{total:,} rows"
            f"  {rate:,.0f} rows/s  ETA {int(left) // 60}m{int(left) % 60:02d}s")  # fmt: skip


class Progress:
    """Rows done out of `total`; redraws one line on a terminal, else prints a line a batch."""

    def __init__(
        self, total: int, out: TextIO, *, tty: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.total, self.done = total, 0
        self._out, self._tty, self._clock = out, tty, clock
        self._started = clock()

    def advanced(self, rows: int) -> None:
        self.done += rows
        self.total = max(self.total, self.done)
        line = describe(self.done, self.total, self._clock() - self._started)
        self._out.write(f"\r{line}" if self._tty else f"{line}\n")
        self._out.flush()

    def finish(self) -> None:
        if self._tty:
            self._out.write("\n")


class RejectFile:
    """FILE.rejects.csv: line, reason and the row's own columns (fix it and import it again:
    the extra columns are ignored). Rewritten whole by every run, resumed batches included."""

    def __init__(self, path: Path, kind: Kind) -> None:
        self.path, self.count = path, 0
        self._columns = list(COLUMNS[kind])
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["line", "reason", *self._columns])

    def rejected(self, rejects: Sequence[Reject]) -> None:
        for r in rejects:
            cells = [_cell(r.record.get(c)) for c in self._columns]
            if not any(cells):  # unreadable: keep what was there
                cells = [json.dumps(r.record, ensure_ascii=False)]
            self._writer.writerow([r.row, r.reason, *cells])
        self.count += len(rejects)
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
