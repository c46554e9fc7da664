"""Where a benchmark keeps its files (databases, broker, service logs, the dev provider's
handset): the run's own folder under `.devdata`, removed when the run ends. A Friday of a
million digests leaves ~9 GB otherwise."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_VAR = "BENCH_SCRATCH"


def folder(prefix: str) -> Path:
    """A new folder for one scenario, inside the run's folder."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get(_VAR, ".devdata")))


@contextmanager
def run_folder(prefix: str = "bench-") -> Iterator[Path]:
    """The run's folder: every `folder()` made meanwhile is inside it, and goes with it."""
    Path(".devdata").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=".devdata") as run:
        os.environ[_VAR] = run
        try:
            yield Path(run)
        finally:
            del os.environ[_VAR]
