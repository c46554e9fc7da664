"""Supervised child processes: own session, parent-death signal, log capture, clean stop.

Every server devstack starts goes through :class:`ChildProcess`, which guarantees three
ways out for the child so none is ever orphaned:

* :meth:`ChildProcess.stop` (called by the owners' ``stop``/``__exit__``): polite signal to
  the whole process group, then SIGKILL after a grace period;
* an ``atexit`` hook that stops whatever is still running when the interpreter exits;
* Linux ``PR_SET_PDEATHSIG``, so the kernel signals the child even if Python is SIGKILLed.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from devstack.errors import InfraError

_PR_SET_PDEATHSIG = 1
_LOG_TAIL_BYTES = 6000

_live: list[ChildProcess] = []
_live_lock = threading.Lock()
_atexit_registered = False


class ChildProcess:
    """A server running as a session leader with its output captured in ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = 10.0,
        scratch_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: int | None = None,
        group: int | None = None,
    ) -> None:
        """Spawn ``argv`` now.

        ``stop_signal`` is the polite request to end, SIGKILL follows ``stop_timeout``
        seconds later; ``scratch_dir`` is deleted once the process has ended;
        ``user``/``group`` switch credentials (root only).
        """
        self.name = name
        self.log_path = log_path
        self._stop_signal = stop_signal
        self._stop_timeout = stop_timeout
        self._scratch_dir = scratch_dir
        switch_user = user is not None
        with open(log_path, "wb") as log:
            try:
                self._popen = subprocess.Popen(
                    list(argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=dict(env) if env is not None else None,
                    cwd=cwd,
                    # A session of its own: terminal Ctrl-C reaches only us, so shutdown order
                    # stays ours, and the pid doubles as a process-group id to signal at stop.
                    start_new_session=True,
                    preexec_fn=_parent_death_hook(stop_signal),
                    user=user,
                    group=group,
                    # Drop root's supplementary groups along with its uid.
                    extra_groups=[] if switch_user else None,
                    close_fds=True,
                )
            except OSError as exc:
                raise InfraError(f"cannot start {name} ({argv[0]}): {exc}") from exc
        _register(self)

    @property
    def pid(self) -> int:
        """Process id (also the process-group id) of the server."""
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """Exit status once ended (negative: killed by that signal), else None."""
        return self._popen.poll()

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self._popen.poll() is None

    def stop(self, timeout: float | None = None) -> None:
        """Signal the process group, SIGKILL it after the stop timeout; idempotent."""
        if self._popen.poll() is None:
            self._signal_group(self._stop_signal)
            try:
                self._popen.wait(self._stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                self._kill_hard()
        if self._scratch_dir is not None:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)
        _unregister(self)

    def _kill_hard(self) -> None:
        # A SIGKILLed leader cannot stop its children. Those that left its process group
        # (postgres backends call setsid()) are found by parentage before it dies.
        children = children_of(self._popen.pid)
        self._signal_group(signal.SIGKILL)
        for child in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(10.0)  # only an uninterruptible (D-state) process takes longer
        # Same-group stragglers still carry the leader's group id.
        self._signal_group(signal.SIGKILL)

    def failure(self, what: str) -> InfraError:
        """An :class:`InfraError` for ``what`` that carries the exit status and log tail."""
        code = self._popen.poll()
        status = "still running" if code is None else f"exit status {code}"
        return InfraError(
            f"{self.name}: {what} ({status}); log {self.log_path}:\n{log_tail(self.log_path)}"
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll ``ready`` until true; stop and raise if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            if ready():
                return
            if not self.alive():
                error = self.failure(f"exited before {what}")
                self.stop()
                raise error
            if time.monotonic() > deadline:
                error = self.failure(f"not {what} within {timeout:.0f}s")
                self.stop()
                raise error
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)


def log_tail(path: Path, limit: int = _LOG_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a log file, decoded leniently; '' when missing."""
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - limit))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc; empty where there is none)."""
    children = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        # Fields after "(comm)": state, ppid, pgrp, ...
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry))
    return children


def _parent_death_hook(sig: signal.Signals) -> Callable[[], None] | None:
    """A ``preexec_fn`` arming PR_SET_PDEATHSIG, or None where that cannot work.

    The kernel fires the signal when the *thread* that forked the child exits, not the
    process, so it is armed only for spawns from the main thread; other spawns rely on
    ``stop`` and the ``atexit`` hook.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()
    signum = int(sig)

    def arm() -> None:
        # Runs in the child between fork and exec, after subprocess switched uid/gid (a
        # credential change would clear the setting again).
        prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            # The parent died before the signal was armed: nobody would ever stop us.
            os._exit(1)

    return arm


def _register(child: ChildProcess) -> None:
    global _atexit_registered
    with _live_lock:
        _live.append(child)
        if not _atexit_registered:
            atexit.register(_stop_all)
            _atexit_registered = True


def _unregister(child: ChildProcess) -> None:
    with _live_lock, contextlib.suppress(ValueError):
        _live.remove(child)


def _stop_all() -> None:
    # Newest first, so dependants go before what they depend on.
    with _live_lock:
        children = list(reversed(_live))
    for child in children:
        child.stop()
