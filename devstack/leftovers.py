"""Guards between runs: directory ownership, scratch dirs and servers left by dead owners."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from devstack.errors import InfraError


class DirectoryLock:
    """An exclusive ``flock`` on ``<directory>/owner.lock``, held while a server runs there.

    The kernel drops the lock when its holder dies however it dies, so "lock free but a
    server still running" reliably means a leftover of a dead owner (safe to stop), while
    "lock held" means another live process is using the directory (leave it alone).
    """

    def __init__(self, directory: Path, what: str) -> None:
        """Describe the lock; ``what`` names the directory's user in error messages."""
        self.path = directory / "owner.lock"
        self._what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock (idempotent); raise :class:`InfraError` if a live process holds it."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise InfraError(
                f"{self._what} in {self.path.parent} is in use by process {holder}; "
                "stop that first or use another directory"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Give the lock up; safe when not held."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def make_scratch_dir(kind: str) -> Path:
    """A fresh private temp directory for a server's socket or log (``scratch_dir``).

    The name carries our pid, so directories left by a process that died without cleaning
    up (SIGKILL) are recognised and removed here, by the next run.
    """
    base = Path(tempfile.gettempdir())
    for leftover in base.glob(f"devstack-{kind}-*-*"):
        owner = leftover.name.split("-")[2]
        if owner.isdigit() and not pid_alive(int(owner)):
            shutil.rmtree(leftover, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"devstack-{kind}-{os.getpid()}-"))


def stop_leftover(pid_file: Path, marker: str) -> None:
    """Stop a server recorded in ``pid_file`` by an earlier, uncleanly ended run.

    Only a live process whose command line contains ``marker`` (e.g. its config path) is
    signalled, so a recycled pid never hits an unrelated process.
    """
    try:
        pid = int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            args = cmdline.read().decode("utf-8", "replace").split("\0")
    except OSError:
        args = []
    if pid > 0 and marker in args:
        for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
            deadline = time.monotonic() + grace
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not pid_alive(pid):
                break
    pid_file.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (possibly owned by another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
