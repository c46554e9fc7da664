"""How much CPU a phase took, per side: the service's process and PostgreSQL's (its
postmaster and every process it started), as cores used on average over the phase, read
from /proc (Linux; elsewhere nothing is reported).

A rate that misses its goal while the machine is full is a matter of CPU per SMS, not of a
wait; these figures tell which. A PostgreSQL process that ends during the phase takes its
CPU time with it (the service's and the benchmark's connections stay open throughout).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 first)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float:
    """utime + stime (fields 14 and 15) of a process; 0 when it is gone."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS if fields is not None else 0.0


def postgres_pids(backend_pid: int) -> list[int]:
    """The postmaster of `backend_pid` (a connection's `pg_backend_pid()`), and its children."""
    fields = _stat(backend_pid)
    if fields is None:
        return []
    postmaster = int(fields[1])
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (f := _stat(int(entry.name))) and int(f[1]) == postmaster:
            children.append(int(entry.name))
    return [postmaster, *children]


@dataclass
class CpuWatch:
    """`start()` at a phase's start, `cores()` at its end. PostgreSQL's processes are looked
    up again at the end, so a backend opened meanwhile counts (all of its CPU time)."""

    service_pid: int | None
    backend_pid: int
    _started: float = 0.0
    _before: dict[int, float] = field(default_factory=dict)

    def start(self) -> CpuWatch:
        self._started = time.monotonic()
        self._before = {p: _cpu_seconds(p) for p in self._pids()}
        return self

    def cores(self) -> dict[str, float]:
        """{"service_cores": ..., "postgres_cores": ...} since `start`; {} without /proc."""
        elapsed = time.monotonic() - self._started
        if elapsed <= 0 or not Path("/proc/self/stat").exists():
            return {}
        used = {p: _cpu_seconds(p) - self._before.get(p, 0.0) for p in self._pids()}
        service = used.pop(self.service_pid, 0.0) if self.service_pid else 0.0
        return {"service_cores": service / elapsed, "postgres_cores": sum(used.values()) / elapsed}

    def _pids(self) -> list[int]:
        service = [self.service_pid] if self.service_pid else []
        return service + postgres_pids(self.backend_pid)
