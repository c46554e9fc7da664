"""The command line's one error boundary: an error the user can act on ends the command with
one line on stderr (one per problem for settings) and a non-zero exit, never a traceback.

Commands raise `CommandError` with what to change, or let a known error through; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import asyncpg
from aiokafka.errors import KafkaError

from devstack.errors import InfraError
from notifier.digest import DigestError
from notifier.retention import RetentionError
from notifier.settings import ConfigError

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A command cannot do what it was asked; the message says why and what to change."""


def explain(exc: BaseException, who: str) -> tuple[str, int] | None:
    """What `who` (e.g. "notifier digest") says on stderr, and its exit status, for an error
    the user can act on; None for a bug."""
    match exc:
        case ConfigError():  # its own headline, then one line per problem
            return str(exc), EXIT_CONFIG
        case KeyboardInterrupt():
            return f"{who}: interrupted", EXIT_INTERRUPTED
        case CommandError() | DigestError() | RetentionError() | InfraError():
            return f"{who}: {exc}", EXIT_FAILED
        case asyncpg.PostgresError() | asyncpg.InterfaceError():
            return f"{who}: PostgreSQL: {exc}", EXIT_FAILED
        case KafkaError():
            return f"{who}: Kafka: {exc}", EXIT_FAILED
        case OSError():  # unreachable hosts, refused connections, unreadable files
            return f"{who}: {exc}", EXIT_FAILED
    return None


@contextlib.contextmanager
def reaching(server: str, setting: str) -> Iterator[None]:
    """Name the setting to check when `server` cannot be reached or refuses us."""
    try:
        yield
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as exc:
        detail = str(exc) or type(exc).__name__
        raise CommandError(f"cannot use {server} ({setting}): {detail}") from exc
