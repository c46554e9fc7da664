"""PostgreSQL plus a Kafka broker for `make run` and the test session, as one unit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, get_args

from devstack.apache_kafka import ApacheKafka
from devstack.errors import InfraError
from devstack.postgres import EmbeddedPostgres
from devstack.server import Server
from devstack.tansu import TansuBroker

KafkaKind = Literal["tansu", "apache"]
DATABASE_URL_ENV = "DATABASE_URL"
KAFKA_BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"


def default_kafka_cache_dir() -> Path:
    """Per-user cache for the Apache Kafka jars, shared by every data directory."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "school-notifier" / "apache-kafka"


class EmbeddedStack(Server):
    """Starts what the service needs under ``data_dir`` and stops it again.

    An infrastructure part whose environment variable is set (``DATABASE_URL``,
    ``KAFKA_BOOTSTRAP_SERVERS``) is not started: the variable's value is used as is.

    ``data_dir`` gets ``postgres/`` and, for ``kafka="apache"``, ``kafka/``; the Apache
    Kafka jars are cached in ``kafka_cache_dir`` (default: the per-user cache). ``fast``
    trades PostgreSQL durability for speed; see :class:`EmbeddedPostgres`.
    """

    def __init__(
        self,
        data_dir: Path,
        kafka: KafkaKind = "tansu",
        *,
        fast: bool = False,
        kafka_cache_dir: Path | None = None,
    ) -> None:
        """Prepare the stack; nothing runs until :meth:`start` or ``with``."""
        if kafka not in get_args(KafkaKind):
            raise ValueError(f"kafka must be one of {get_args(KafkaKind)}, not {kafka!r}")
        self.data_dir = Path(data_dir)
        self.kafka: KafkaKind = kafka
        self.fast = fast
        self.kafka_cache_dir = kafka_cache_dir
        self.postgres: EmbeddedPostgres | None = None
        self.broker: TansuBroker | ApacheKafka | None = None
        self._database_url: str | None = None
        self._kafka_bootstrap: str | None = None

    @property
    def database_url(self) -> str:
        """PostgreSQL URL (the given ``DATABASE_URL`` or the embedded server's)."""
        if self._database_url is None:
            raise InfraError("the stack is not started")
        return self._database_url

    @property
    def kafka_bootstrap(self) -> str:
        """Kafka bootstrap servers (the given ``KAFKA_BOOTSTRAP_SERVERS`` or the broker's)."""
        if self._kafka_bootstrap is None:
            raise InfraError("the stack is not started")
        return self._kafka_bootstrap

    def start(self) -> EmbeddedStack:
        """Start what is not given by the environment; on failure stop what did start."""
        if self._database_url is not None and self._kafka_bootstrap is not None:
            return self
        given_db = os.environ.get(DATABASE_URL_ENV) or None
        given_kafka = os.environ.get(KAFKA_BOOTSTRAP_ENV) or None
        try:
            apache: ApacheKafka | None = None
            if given_kafka is None and self.kafka == "apache":
                # The JVM takes seconds to boot: launch it first, start PostgreSQL meanwhile.
                cache_dir = self.kafka_cache_dir or default_kafka_cache_dir()
                apache = ApacheKafka(self.data_dir / "kafka", cache_dir)
                self.broker = apache
                apache.launch()
            if given_db is None:
                self.postgres = EmbeddedPostgres(self.data_dir / "postgres", fast=self.fast)
                given_db = self.postgres.start()
            if given_kafka is None:
                if apache is not None:
                    given_kafka = apache.wait_ready()
                else:
                    tansu = TansuBroker()
                    self.broker = tansu
                    given_kafka = tansu.start()
        except BaseException:
            self.stop()
            raise
        self._database_url, self._kafka_bootstrap = given_db, given_kafka
        return self

    def stop(self) -> None:
        """Stop every server this stack started (broker first); safe to call repeatedly."""
        try:
            if self.broker is not None:
                self.broker.stop()
                self.broker = None
        finally:
            if self.postgres is not None:
                self.postgres.stop()
                self.postgres = None
            self._database_url = self._kafka_bootstrap = None
