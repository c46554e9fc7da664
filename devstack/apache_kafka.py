"""Real Apache Kafka (single-node KRaft, combined broker+controller) from Maven Central jars.

The classpath is pinned by ``devstack/apache-kafka/pom.xml``. The first start copies it
with ``mvn dependency:copy-dependencies`` into ``<cache_dir>/<kafka version>/jars``; later
starts reuse that copy (and a class-data archive, see :mod:`devstack.cds`). Each start
formats a fresh log directory under ``work_dir``, so, as with Tansu, no topic or offset
outlives a stop.
"""

from __future__ import annotations

import base64
import functools
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from devstack.cds import ClassDataArchive
from devstack.errors import InfraError
from devstack.kafka_jars import LOG4J2_CONFIG, POM, ensure_jars, java_major, kafka_version
from devstack.leftovers import DirectoryLock, stop_leftover
from devstack.ports import LOOPBACK, free_ports, kafka_answers, looks_like_port_clash
from devstack.process import ChildProcess, log_tail
from devstack.server import Server

_MIN_JAVA = 17
_READY_TIMEOUT = 90.0
# Long enough for the first run's class-data archive dump at JVM exit (a few seconds).
_STOP_TIMEOUT = 30.0
_PORT_ATTEMPTS = 3
_NODE_ID = 1
# C1-only JIT: ~20% faster start-up; peak throughput does not matter for dev and tests.
_COMMON_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true")
_TOOL_JVM_OPTIONS = ("-Xmx256m", "-XX:+UseSerialGC")
_SERVER_JVM_OPTIONS = ("-Xms256m", "-Xmx512m")


class ApacheKafka(Server):
    """A single-node Apache Kafka on two free loopback ports (client and controller)."""

    def __init__(self, work_dir: Path, cache_dir: Path) -> None:
        """``work_dir`` gets config, logs and data; ``cache_dir`` keeps jars across runs."""
        self.work_dir = Path(work_dir).absolute()
        self.cache_dir = Path(cache_dir).absolute()
        self._process: ChildProcess | None = None
        self._bootstrap: str | None = None
        self._port: int | None = None
        self._java = "java"
        self._jars: Path | None = None
        self._archive: ClassDataArchive | None = None
        self._lock = DirectoryLock(self.work_dir, "Apache Kafka")

    @staticmethod
    def available() -> str | None:
        """None when Java 17+ and Maven are on PATH, else a human-readable reason."""
        java = shutil.which("java")
        if java is None:
            return f"no `java` on PATH (Apache Kafka needs a Java {_MIN_JAVA}+ runtime)"
        major = java_major(java)
        if major is None:
            return f"could not tell the version of {java}"
        if major < _MIN_JAVA:
            return f"{java} is Java {major}; Apache Kafka {kafka_version()} needs {_MIN_JAVA}+"
        if shutil.which("mvn") is None:
            return "no `mvn` on PATH (Maven fetches the Apache Kafka jars from Maven Central)"
        return None

    @property
    def version(self) -> str:
        """The Apache Kafka release this runs (pinned in the POM)."""
        return kafka_version()

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:<port>`` of the running broker."""
        if self._bootstrap is None:
            raise InfraError("Apache Kafka is not running")
        return self._bootstrap

    @property
    def pid(self) -> int | None:
        """Process id of the broker JVM while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        """Server log of the latest start."""
        return self.work_dir / "kafka.log"

    @property
    def _config_path(self) -> Path:
        return self.work_dir / "server.properties"

    @property
    def _pid_file(self) -> Path:
        return self.work_dir / "kafka.pid"

    def start(self) -> str:
        """Fetch jars if needed, format storage, start the broker, return its bootstrap."""
        self.launch()
        return self.wait_ready()

    def launch(self) -> None:
        """First half of :meth:`start`: prepare and spawn, without waiting for readiness.

        Lets a caller do other work (e.g. start PostgreSQL) while the JVM boots.
        """
        if self._process is not None and self._process.alive():
            return
        self.stop()
        reason = self.available()
        if reason is not None:
            raise InfraError(f"Apache Kafka is not available: {reason}")
        self._java = shutil.which("java") or "java"
        version_dir = self.cache_dir / kafka_version()
        self._jars = ensure_jars(POM, version_dir)
        self._archive = ClassDataArchive(version_dir, self._java)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            # With the lock ours, a broker still running here was left by a dead owner; it
            # would hold the data directory about to be wiped.
            stop_leftover(self._pid_file, str(self._config_path))
            self._spawn()
        except BaseException:
            self._lock.release()
            raise

    def wait_ready(self) -> str:
        """Second half of :meth:`start`: block until the broker answers Kafka requests."""
        if self._bootstrap is not None:
            return self._bootstrap
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            process, port = self._process, self._port
            if process is None or port is None:
                raise InfraError("Apache Kafka was not launched")
            try:
                process.wait_until(
                    functools.partial(kafka_answers, port), _READY_TIMEOUT, "answering"
                )
            except InfraError as exc:
                self._forget_process()
                if attempt < _PORT_ATTEMPTS and looks_like_port_clash(str(exc)):
                    self._spawn()  # another process took a port between allocation and bind
                    continue
                self._lock.release()
                raise
            self._bootstrap = f"{LOOPBACK}:{port}"
            return self._bootstrap
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after a grace period); safe when stopped."""
        if self._process is not None:
            self._process.stop()
        self._forget_process()
        self._lock.release()
        self._bootstrap = None

    def restart(self, down_for: float = 0.0) -> None:
        """Controlled shutdown, ``down_for`` seconds away, then the same broker again: same
        ports, same log directory, so topics, records and committed offsets survive."""
        if self._process is None or self._port is None:
            raise InfraError("Apache Kafka is not running")
        port = self._port
        self._process.stop()
        if self._archive is not None:
            self._archive.settle(self._process.returncode)
        time.sleep(down_for)
        self._start_jvm(self._config_path, port)
        assert self._process is not None
        self._process.wait_until(
            functools.partial(kafka_answers, port), _READY_TIMEOUT, "answering after a restart"
        )

    def _forget_process(self) -> None:
        """Drop a process that has ended (stopped or failed) and settle its archive dump."""
        if self._process is not None:
            if self._archive is not None:
                self._archive.settle(self._process.returncode)
            self._pid_file.unlink(missing_ok=True)
        self._process = None
        self._port = None

    def _spawn(self) -> None:
        assert self._jars is not None
        assert self._archive is not None
        port, controller_port = free_ports(2)
        config = self._write_config(port, controller_port)
        self._format_storage(config)
        self._start_jvm(config, port)

    def _start_jvm(self, config: Path, port: int) -> None:
        assert self._archive is not None
        argv = self._java_command(
            (*_SERVER_JVM_OPTIONS, *self._archive.jvm_options(record=True)),
            "kafka.Kafka",
            str(config),
        )
        self._process = ChildProcess(
            "apache-kafka",
            argv,
            self.log_path,
            # SIGTERM runs Kafka's shutdown hook: a controlled shutdown.
            stop_signal=signal.SIGTERM,
            stop_timeout=_STOP_TIMEOUT,
            cwd=self.work_dir,
        )
        self._pid_file.write_text(f"{self._process.pid}\n", encoding="utf-8")
        self._port = port

    def _write_config(self, port: int, controller_port: int) -> Path:
        data_dir = self.work_dir / "kraft-data"
        listeners = f"PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}"
        settings = {
            "process.roles": "broker,controller",
            "node.id": str(_NODE_ID),
            "controller.quorum.voters": f"{_NODE_ID}@{LOOPBACK}:{controller_port}",
            "listeners": listeners,
            "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(data_dir),
            "num.partitions": "3",
            "auto.create.topics.enable": "true",
            "group.initial.rebalance.delay.ms": "0",
            # Default 6 s; tests use ~2 s session timeouts so consumers come and go quickly.
            "group.min.session.timeout.ms": "1000",
            "offsets.topic.replication.factor": "1",
            # 50 partitions by default: creating them delays the first consumer group.
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
        }
        config = self._config_path
        lines = ["# Generated by devstack for one start; rewritten on the next."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # A fresh cluster per start: formatting needs an empty log directory.
        shutil.rmtree(data_dir, ignore_errors=True)
        return config

    def _format_storage(self, config: Path) -> None:
        assert self._archive is not None
        log_path = self.work_dir / "format.log"
        argv = self._java_command(
            (*_TOOL_JVM_OPTIONS, *self._archive.jvm_options(record=False)),
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={_cluster_id()}",
            f"--config={config}",
        )
        with open(log_path, "wb") as log:
            try:
                result = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.work_dir,
                    timeout=120,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InfraError(f"formatting Kafka storage failed: {exc}") from exc
        if result.returncode != 0:
            raise InfraError(
                f"formatting Kafka storage failed (exit status {result.returncode}); "
                f"log {log_path}:\n{log_tail(log_path)}"
            )

    def _java_command(self, jvm_options: tuple[str, ...], main: str, *args: str) -> list[str]:
        assert self._jars is not None
        return [
            self._java,
            *_COMMON_JVM_OPTIONS,
            *jvm_options,
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            "-cp",
            f"{self._jars}/*",
            main,
            *args,
        ]


def _cluster_id() -> str:
    """A random Kafka cluster id: 16 bytes in unpadded URL-safe base64, like Kafka's Uuid."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        # A leading '-' would read as an option to the storage tool's argument parser.
        if not text.startswith("-"):
            return text
