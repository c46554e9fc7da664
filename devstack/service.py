"""The service itself as a child process (`python -m notifier serve`), for crash tests and
end-to-end benchmarks: what operations would run, killed the way machines die.

Each :meth:`ServiceProcess.start` spawns a fresh process with its own log file
(``<log_dir>/<name>-<n>.log``) on a free loopback port and waits until ``GET /readyz``
answers 200; :meth:`ServiceProcess.kill` sends any signal (SIGKILL: the machine died,
SIGTERM: a rolling restart) and :meth:`ServiceProcess.wait` reaps it.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from devstack.errors import InfraError
from devstack.ports import LOOPBACK, free_ports
from devstack.process import ChildProcess

_READY_TIMEOUT = 90.0


class ServiceProcess:
    """One replica of the service; start it again after a kill to play a restart."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, *, name: str = "notifier") -> None:
        """``env`` is laid over this process's environment (DATABASE_URL, KAFKA_*, ...)."""
        self.name = name
        self._env = dict(env)
        self._log_dir = Path(log_dir)
        self._process: ChildProcess | None = None
        self._starts = 0
        self._port: int | None = None
        self._peak_mb = 0.0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running process."""
        if self._port is None:
            raise InfraError(f"{self.name} is not running")
        return f"http://{LOOPBACK}:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        """Log of the latest start (stdout and stderr)."""
        return self._log_dir / f"{self.name}-{self._starts}.log"

    def alive(self) -> bool:
        return self._process is not None and self._process.alive()

    def start(self, timeout: float = _READY_TIMEOUT) -> None:
        """Spawn the service and block until it is ready (raises with the log tail if not)."""
        if self.alive():
            raise InfraError(f"{self.name} is already running")
        self._starts += 1
        self._log_dir.mkdir(parents=True, exist_ok=True)
        (self._port,) = free_ports(1)
        env = os.environ | self._env | {"HTTP_PORT": str(self._port), "PYTHONUNBUFFERED": "1"}
        self._process = ChildProcess(
            self.name,
            [sys.executable, "-m", "notifier", "serve"],
            self.log_path,
            stop_signal=signal.SIGTERM,
            stop_timeout=20.0,
            env=env,
        )
        self._process.wait_until(self._ready, timeout, "ready (GET /readyz)")

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send ``sig`` to the service (no wait; see :meth:`wait`)."""
        if self._process is None or not self._process.alive():
            return
        self._sample_rss()
        os.kill(self._process.pid, sig)

    def wait(self, timeout: float = 30.0) -> int | None:
        """Wait for the process to end; its exit status (negative: the killing signal)."""
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            self._sample_rss()
            time.sleep(0.05)
        if self.alive():
            raise InfraError(f"{self.name} did not end within {timeout:.0f}s ({self.log_path})")
        return self._process.returncode if self._process is not None else None

    def stop(self) -> None:
        """SIGTERM, SIGKILL after a grace period; safe when not running."""
        if self._process is not None:
            self._sample_rss()
            self._process.stop()
        self._port = None

    def rss_peak_mb(self) -> float:
        """Peak resident memory (VmHWM) of the latest process, in MiB, as last seen alive."""
        self._sample_rss()
        return self._peak_mb

    def _sample_rss(self) -> None:
        if self._process is None:
            return
        try:
            status = Path(f"/proc/{self._process.pid}/status").read_text(encoding="utf-8")
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self._peak_mb = max(self._peak_mb, int(line.split()[1]) / 1024)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False
