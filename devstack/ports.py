"""Loopback port allocation and a minimal Kafka readiness probe (stdlib only)."""

from __future__ import annotations

import socket
import struct

LOOPBACK = "127.0.0.1"

# Kafka ApiVersions (api key 18) at version 0: every broker generation answers it, because
# clients use it to negotiate all other versions; a well-formed reply means the broker's
# request pipeline is up, not merely that something accepted a TCP connection.
_API_VERSIONS_KEY = 18
_CORRELATION_ID = 0x0DE5
_CLIENT_ID = b"devstack-probe"

# Phrases servers print when their listen port was taken between allocation and bind.
_PORT_CLASH_MARKERS = (
    "address already in use",
    "could not bind",
    "bindexception",
    "addrinuse",
)


def free_ports(count: int = 1) -> list[int]:
    """Return ``count`` distinct TCP ports on 127.0.0.1 that were free a moment ago.

    All sockets are held open until every port is chosen, so the ports are distinct; there
    is still a short race with other processes before the server binds, which callers
    handle by retrying when :func:`looks_like_port_clash` says so.
    """
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((LOOPBACK, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def looks_like_port_clash(log_text: str) -> bool:
    """Whether a server log says it lost the race for its listen port."""
    lowered = log_text.lower()
    return any(marker in lowered for marker in _PORT_CLASH_MARKERS)


def kafka_answers(port: int, host: str = LOOPBACK, timeout: float = 2.0) -> bool:
    """Send one Kafka ApiVersions request; True when a matching response comes back."""
    header = struct.pack(">hhih", _API_VERSIONS_KEY, 0, _CORRELATION_ID, len(_CLIENT_ID))
    request = header + _CLIENT_ID
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", _recv_exactly(sock, 4))[0]
            if size < 6:
                return False
            correlation_id, _error_code = struct.unpack(">ih", _recv_exactly(sock, 6))
    except (OSError, struct.error):
        return False
    # Any error code still proves a live broker (e.g. UNSUPPORTED_VERSION carries the
    # supported range), so only the correlation id is checked.
    return bool(correlation_id == _CORRELATION_ID)


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < count:
        chunk = sock.recv(count - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks += chunk
    return bytes(chunks)
