"""Offsets on the broker, read without joining any group: where each partition ends, where a
group has committed, and the last few records of a partition. Opened once by the app
(`broker_offsets` cleanup context) and shared by the console and the metrics scrape."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import TypeVar

from aiohttp import web
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from notifier import keys
from notifier.ops import BrokerUnavailable
from notifier.settings import Settings

T = TypeVar("T")
TIMEOUT = 5.0


class BrokerOffsets:
    def __init__(self, settings: Settings) -> None:
        servers = settings.kafka_bootstrap_servers
        self._admin = AIOKafkaAdminClient(bootstrap_servers=servers)
        self._reader = AIOKafkaConsumer(
            bootstrap_servers=servers, group_id=None, enable_auto_commit=False
        )
        self._reading = asyncio.Lock()  # one assignment at a time on the shared reader

    async def start(self) -> None:
        await asyncio.gather(self._admin.start(), self._reader.start())

    async def close(self) -> None:
        await asyncio.gather(self._admin.close(), self._reader.stop())

    async def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        described = await _answer(self._admin.describe_topics(list(topics)))
        return sorted(
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t["error_code"]
            for p in t["partitions"]
        )

    async def ends(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        """The offset the next record of each partition will get."""
        return dict(await _answer(self._reader.end_offsets(list(tps)))) if tps else {}

    async def starts(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        """The first offset still on the broker (retention may have deleted older ones)."""
        return dict(await _answer(self._reader.beginning_offsets(list(tps)))) if tps else {}

    async def committed(
        self, group: str, tps: Sequence[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """The group's committed offsets; partitions it never committed are left out."""
        found = await _answer(self._admin.list_consumer_group_offsets(group, partitions=list(tps)))
        return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}

    async def last_records(
        self, tp: TopicPartition, start: int, end: int
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """The records of `tp` from `start` up to `end` (exclusive)."""
        if start >= end:
            return []
        async with self._reading:
            self._reader.assign([tp])
            self._reader.seek(tp, start)
            found: list[ConsumerRecord[bytes, bytes]] = []
            while len(found) < end - start:
                batch = await _answer(self._reader.getmany(tp, timeout_ms=1000))
                if not batch:
                    break
                found += [r for r in batch.get(tp, []) if r.offset < end]
            self._reader.unsubscribe()
            return found


async def _answer(call: Awaitable[T]) -> T:
    try:
        return await asyncio.wait_for(call, TIMEOUT)
    except (KafkaError, OSError, TimeoutError) as exc:
        raise BrokerUnavailable(f"the broker did not answer: {type(exc).__name__}: {exc}") from exc


OFFSETS = web.AppKey("broker_offsets", BrokerOffsets)  # the ops console, metrics


async def broker_offsets(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: opens the reader under OFFSETS, closes it on shutdown."""
    offsets = BrokerOffsets(app[keys.SETTINGS])
    await offsets.start()
    app[OFFSETS] = offsets
    yield
    await offsets.close()
