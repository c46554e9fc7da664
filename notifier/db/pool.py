"""The service's connections to PostgreSQL (the service, `notifier digest`, `notifier import`).

Every statement is planned for the tables as they are when it runs
(`plan_cache_mode = force_custom_plan`). The service's statements are prepared once per
connection, and PostgreSQL would soon keep one generic plan for each, made while a table was
small: the queue is empty at every quiet moment, and a claim planned then seq-scanned the
queue, and a whole month's outbox for each SMS, through a Friday's batches (85 ms a claim
instead of 4). Planning again costs well under a millisecond, and the hot statements each
carry a whole batch.
"""

from __future__ import annotations

import asyncpg

SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


def open_pool(database_url: str, *, min_size: int, max_size: int) -> asyncpg.Pool:
    """A pool to await (or to use with `async with`)."""
    return asyncpg.create_pool(
        database_url, min_size=min_size, max_size=max_size, server_settings=SERVER_SETTINGS
    )
