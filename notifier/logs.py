"""Logging set-up. Phone numbers are masked wherever they are logged (see sms.phones)."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The Kafka client is chatty at INFO about every rebalance and metadata refresh.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLevelName(level)))
