"""stripe-mock: Stripe's own API mock server (Go), built once from a pinned module version.

``go install github.com/stripe/stripe-mock@<version>`` puts the binary in
``<cache_dir>/<version>/bin``; later starts reuse it. The server answers every Stripe API
route with schema-valid fixture data (it validates requests, but stores nothing), on
loopback ports the kernel picks, so two test sessions never race for a port.

``fixtures`` overrides fields of the bundled fixtures (stripe-mock's documented
``-fixtures`` file), e.g. ``{"checkout.session": {"payment_status": "paid"}}``: every
retrieve of that resource then answers with them (the requested id is still echoed).

Install without starting anything: ``python -m devstack.stripe_mock``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devstack.errors import InfraError
from devstack.leftovers import make_scratch_dir
from devstack.process import ChildProcess, log_tail
from devstack.server import Server

MODULE = "github.com/stripe/stripe-mock"
VERSION = "v0.203.0"  # the latest tag the Go module proxy served when pinned
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".devdata" / "stripe-mock"
_GO_FALLBACK = Path("/usr/local/go/bin/go")
_INSTALL_TIMEOUT = 900
_READY_TIMEOUT = 30.0
_LISTENING = re.compile(r"Listening for HTTP at address: (127\.0\.0\.1:\d+)")


def go_binary() -> str | None:
    """The ``go`` command: from PATH, else the standard /usr/local/go install."""
    found = shutil.which("go")
    if found is None and os.access(_GO_FALLBACK, os.X_OK):
        found = str(_GO_FALLBACK)
    return found


class StripeMock(Server):
    """One stripe-mock server on loopback; ``start()`` returns ``http://127.0.0.1:<port>``."""

    def __init__(
        self,
        cache_dir: Path = DEFAULT_CACHE_DIR,
        fixtures: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Prepare; nothing is installed or started until :meth:`start`."""
        self.cache_dir = Path(cache_dir).absolute()
        self.fixtures = fixtures
        self._process: ChildProcess | None = None
        self._base_url: str | None = None

    @staticmethod
    def available() -> str | None:
        """None when stripe-mock can be built here, else why not (no Go toolchain)."""
        if go_binary() is None:
            return f"no `go` on PATH or at {_GO_FALLBACK} (stripe-mock is built from source)"
        return None

    @property
    def binary(self) -> Path:
        """Where the pinned version's executable lives once installed."""
        return self.cache_dir / VERSION / "bin" / "stripe-mock"

    @property
    def base_url(self) -> str:
        """Base URL of the running server."""
        if self._base_url is None:
            raise InfraError("stripe-mock is not running")
        return self._base_url

    def install(self) -> Path:
        """Build the pinned version unless it is already there; return the executable."""
        if self.binary.is_file():
            return self.binary
        go = go_binary()
        if go is None:
            raise InfraError(f"stripe-mock cannot be installed: {self.available()}")
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        with open(self.cache_dir / ".install.lock", "w") as lock:
            # Two test sessions starting at once build it only once.
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.binary.is_file():
                _go_install(go, self.binary)
        return self.binary

    def start(self) -> str:
        """Install if needed, start the server (idempotent) and return its base URL."""
        if self._process is not None and self._process.alive():
            return self.base_url
        self.stop()
        binary = self.install()
        log_dir = make_scratch_dir("stripemock")  # no dash: the name is split on "-"
        # Port 0 on both listeners: the kernel picks, the log tells us which.
        argv = [str(binary), "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0"]
        if self.fixtures:
            argv += ["-fixtures", str(_write_fixtures(self.fixtures, log_dir))]
        process = ChildProcess(
            "stripe-mock",
            argv,
            log_dir / "stripe-mock.log",
            stop_signal=signal.SIGTERM,
            stop_timeout=5.0,
            scratch_dir=log_dir,
        )
        self._process = process
        try:
            process.wait_until(self._answers, _READY_TIMEOUT, "answering HTTP")
        except InfraError:
            self._process = None
            raise
        return self.base_url

    def _answers(self) -> bool:
        assert self._process is not None
        match = _LISTENING.search(log_tail(self._process.log_path))
        if match is None:
            return False
        url = f"http://{match.group(1)}"
        request = urllib.request.Request(  # noqa: S310 (our own loopback server)
            f"{url}/v1/balance", headers={"Authorization": "Bearer sk_test_devstack"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                ok = bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False
        if ok:
            self._base_url = url
        return ok

    def stop(self) -> None:
        """Stop the server; safe to call when not running."""
        if self._process is not None:
            self._process.stop()
            self._process = None
        self._base_url = None


def _write_fixtures(overrides: Mapping[str, Mapping[str, Any]], directory: Path) -> Path:
    """The bundled fixtures (from the module source Go downloaded) with `overrides` applied."""
    go = go_binary() or "go"
    found = subprocess.run(
        [go, "mod", "download", "-json", f"{MODULE}@{VERSION}"],
        capture_output=True,
        timeout=_INSTALL_TIMEOUT,
        check=False,
    )
    try:
        source = Path(json.loads(found.stdout)["Dir"]) / "embedded" / "openapi" / "fixtures3.json"
        fixtures = json.loads(source.read_bytes())
    except (KeyError, ValueError, OSError) as exc:
        raise InfraError(f"cannot read stripe-mock's fixtures: {found.stderr!r}") from exc
    for resource, fields in overrides.items():
        fixtures["resources"][resource].update(fields)
    path = directory / "fixtures.json"
    path.write_text(json.dumps(fixtures), encoding="utf-8")
    return path


def _go_install(go: str, target: Path) -> None:
    # Build into a private directory and rename: a killed build leaves no half binary.
    staging = target.parent.parent / f"bin.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    log_path = target.parent.parent / "install.log"
    env = {**os.environ, "GOBIN": str(staging), "CGO_ENABLED": "0"}
    try:
        with open(log_path, "wb") as log:
            result = subprocess.run(
                [go, "install", f"{MODULE}@{VERSION}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=_INSTALL_TIMEOUT,
                check=False,
            )
        if result.returncode != 0:
            raise InfraError(
                f"go install {MODULE}@{VERSION} failed ({result.returncode}); log {log_path}:\n"
                + log_tail(log_path)
            )
        (staging / "stripe-mock").rename(target)
    except subprocess.TimeoutExpired as exc:
        raise InfraError(f"go install {MODULE}@{VERSION} took over {exc.timeout}s") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    mock = StripeMock(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE_DIR)
    began = time.monotonic()
    path = mock.install()
    print(f"stripe-mock {VERSION}: {path} ({time.monotonic() - began:.1f}s)")
