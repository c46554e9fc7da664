"""A JVM class-data-sharing (AppCDS) archive that makes repeat Kafka starts faster.

Kafka spends most of a warm start loading and verifying classes. The first server run
records them with ``-XX:ArchiveClassesAtExit`` (written when the JVM exits normally);
later runs map the archive with ``-XX:SharedArchiveFile``, which roughly halves both the
storage-format tool's and the broker's start-up. The JVM validates the archive against
the classpath itself and silently runs without it on a mismatch, so a stale archive costs
speed, never correctness.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path

from devstack.leftovers import pid_alive

_PENDING = re.compile(r"\.(\d+)\.tmp$")


class ClassDataArchive:
    """The archive for one classpath directory and one ``java`` executable."""

    def __init__(self, directory: Path, java: str) -> None:
        """Keep the archive in ``directory``, keyed by the JDK so upgrades start afresh."""
        real = os.path.realpath(java)
        try:
            stamp = f"{real}:{os.stat(real).st_mtime_ns}"
        except OSError:
            stamp = real
        key = hashlib.sha256(stamp.encode()).hexdigest()[:12]
        self.path = directory / f"classes-{key}.jsa"
        self._pending: Path | None = None

    def jvm_options(self, *, record: bool) -> list[str]:
        """Options to use the archive, or (with ``record``) to create it at JVM exit."""
        # Non-HotSpot JVMs would refuse to start on the -XX options below.
        options = ["-XX:+IgnoreUnrecognizedVMOptions"]
        if self.path.is_file():
            return [*options, f"-XX:SharedArchiveFile={self.path}"]
        if not record or self._pending is not None:
            return []
        self._remove_abandoned()
        # Written under a temporary name and renamed by settle(): a JVM killed while dumping
        # must not leave a truncated archive under the real name.
        self._pending = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        return [*options, f"-XX:ArchiveClassesAtExit={self._pending}"]

    def settle(self, exit_status: int | None) -> None:
        """After the recording JVM ended: keep its archive if it exited normally."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        # A negative status means killed by a signal, i.e. the dump may be incomplete.
        if exit_status is not None and exit_status >= 0 and pending.is_file():
            os.replace(pending, self.path)
        else:
            pending.unlink(missing_ok=True)

    def _remove_abandoned(self) -> None:
        for candidate in self.path.parent.glob(f"{self.path.name}.*.tmp"):
            match = _PENDING.search(candidate.name)
            if match is None or pid_alive(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                candidate.unlink()
