"""Logging set-up. Phone numbers are masked wherever they are logged (see sms.phones), and
the HTTP access log never carries query values: they may be phone numbers or bearer links
(`/unsubscribe?token=...`)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The Kafka client is chatty at INFO about every rebalance and metadata refresh.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLevelName(level)))


class AccessLogger(AbstractAccessLogger):
    """One access-log line per request: peer, method, path, query names without their
    values, status, size and time. Used by every runner (`RUNNER_OPTIONS`)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        names = "&".join(f"{name}=…" for name in dict.fromkeys(request.query))
        target = request.path + (f"?{names}" if names else "")
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote, request.method, target, response.status,
            response.body_length, time,
        )  # fmt: skip


# Pass to web.run_app / web.AppRunner / TestServer: the only access log this service writes.
RUNNER_OPTIONS: dict[str, Any] = {"access_log_class": AccessLogger}
