"""The service's listening socket, opened before anything else starts: a busy port is then
the first and only thing reported, naming the setting to change."""

from __future__ import annotations

import errno
import socket

from notifier.cli.errors import CommandError


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket on HTTP_HOST:HTTP_PORT (port 0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                f"HTTP_PORT {port} is already in use on {host}: stop what listens there"
                " or set HTTP_PORT to a free port"
            ) from exc
        reason = exc.strerror or str(exc)
        raise CommandError(f"cannot listen on HTTP_HOST {host} HTTP_PORT {port}: {reason}") from exc


def bound_port(sock: socket.socket) -> int:
    """The port a socket listens on (the one chosen for HTTP_PORT=0)."""
    return int(sock.getsockname()[1])
