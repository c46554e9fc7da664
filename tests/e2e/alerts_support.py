"""The service for announcement and instant-grade tests: create_app with a movable clock on a
loopback server, consuming from the real broker; rosters seeded set-based with SQL (a whole
school in a few statements); builders for announcements and grades; what parents received."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from billing.ledger import credit_wallet
from notifier.grade_alert_sweep import sweep_grade_alerts
from notifier.http.auth import mint_token
from notifier.settings import Settings
from tests.support import MovableClock, publish, received_sms, wait_for

_SCHOOL = "INSERT INTO schools (id, name, country) VALUES ($1, $1, 'KZ') ON CONFLICT DO NOTHING"
_SEED = """
WITH c AS (INSERT INTO classes (id, school_id, name) VALUES ($2, $1, $2)
           ON CONFLICT (id) DO NOTHING RETURNING id),
     p AS (INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)
           SELECT $2 || '-p' || i, $1, $2, 'Айгерим', 'ru', 'Asia/Almaty', now()
             FROM generate_series(1, $3) i RETURNING id),
     l AS (INSERT INTO parent_links (parent_id, pupil_id, linked_at)
           SELECT $2 || '-par' || i, $2 || '-p' || i, now() FROM generate_series(1, $3) i)
INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, phone_verified_at)
SELECT $2 || '-par' || i, $2 || '-p' || i,
       '+7701' || lpad((abs(hashtext($2)) % 1000)::text, 3, '0') || lpad(i::text, 4, '0'),
       $4::text[], $5, now()
  FROM generate_series(1, $3) i WHERE cardinality($4::text[]) > 0
"""


def parents(class_id: str, n: int) -> list[str]:
    return [f"{class_id}-par{i}" for i in range(1, n + 1)]


def announcement(scope: str = "school", school_id: str = "sch-1", **over: Any) -> dict[str, Any]:
    audience: dict[str, Any] = {"scope": scope}
    audience |= over.pop("audience", {})
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "announcement.published",
        "occurred_at": datetime.now(UTC).isoformat(),
        "schema_version": 1,
        "announcement_id": f"a-{uuid.uuid4().hex[:8]}",
        "school_id": school_id,
        "audience": audience,
        "title": "Родительское собрание",
        "text": "В пятницу в 18:30 в актовом зале.",
        "author_id": "u-1",
        "author_role": "school_admin",
    } | over


def grade(event_type: str = "grade.posted", **over: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": datetime.now(UTC).isoformat(),
        "schema_version": 1,
        "grade_id": "g-1",
        "school_id": "sch-1",
        "pupil_id": "c-5a-p1",
        "class_id": "c-5a",
        "subject": "Математика",
        "lesson_date": date(2026, 11, 12).isoformat(),
        "assessment": "lesson",
        "mark": 5,
        "teacher_id": "t-1",
    } | over


def grade_deleted(**over: Any) -> dict[str, Any]:
    event = grade("grade.deleted", **over)
    keep = ("event_id", "event_type", "occurred_at", "schema_version", "grade_id", "school_id")
    return {k: event[k] for k in (*keep, "pupil_id")}


@dataclass
class Alerts:
    client: TestClient[Any, Any]
    settings: Settings
    clock: MovableClock

    async def publish(self, base: str, key: str, value: Any) -> None:
        topic = self.settings.kafka_topic_prefix + base
        await publish(self.settings.kafka_bootstrap_servers, topic, key, value)

    async def publish_together(self, *messages: tuple[str, str, dict[str, Any]]) -> None:
        """(topic, key, value) sent back to back by one producer: the diary publishing them
        one right after the other."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers, enable_idempotence=False
        )
        await producer.start()
        try:
            sent = [
                await producer.send(self.settings.kafka_topic_prefix + base,
                                    json.dumps(value, ensure_ascii=False).encode(),
                                    key=key.encode())
                for base, key, value in messages
            ]  # fmt: skip
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    async def seed(
        self, class_id: str, n: int, *, school: str = "sch-1", types: tuple[str, ...] = (),
        language: str = "ru", credit: int = 0,
    ) -> list[str]:  # fmt: skip
        """n pupils in the class, each with one parent subscribed to `types` (none: linked
        but not subscribed) with `credit` KZT minor units on the wallet."""
        conn = await asyncpg.connect(self.settings.database_url)
        try:
            async with conn.transaction():
                await conn.execute(_SCHOOL, school)
                await conn.execute(_SEED, school, class_id, n, list(types), language)
                for parent in parents(class_id, n) if credit else []:
                    await credit_wallet(
                        conn, parent, credit, "KZT", source=("gateway_clearing", "test"),
                        kind="manual_credit", reference=f"seed-{parent}",
                    )  # fmt: skip
        finally:
            await conn.close()
        return parents(class_id, n)

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.settings.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    def sms(self) -> list[dict[str, Any]]:
        return received_sms(self.settings.sms_dev_outbox)

    async def sms_count(self, n: int, timeout: float = 20) -> list[dict[str, Any]]:
        async def arrived() -> bool:
            return len(self.sms()) >= n

        assert await wait_for(arrived, timeout), f"expected {n} SMS, got {self.sms()}"
        await asyncio.sleep(0.3)  # and no more than that
        return self.sms()

    async def rows(self, n: int, where: str = "true", timeout: float = 20) -> list[Any]:
        """Wait for n outbox rows matching `where`; the rows, oldest first."""
        query = f"SELECT * FROM notifications WHERE {where} ORDER BY id"  # noqa: S608

        async def there() -> bool:
            return len(await self.sql(query)) >= n

        assert await wait_for(there, timeout), f"expected {n} rows: {await self.sql(query)}"
        return await self.sql(query)

    async def marks(self, n: int, where: str = "true") -> list[Any]:
        """Wait for n marks waiting for (or carried by) their grade alert bundle."""
        query = f"SELECT * FROM grade_alert_marks WHERE {where}"  # noqa: S608

        async def there() -> bool:
            return len(await self.sql(query)) >= n

        assert await wait_for(there, 20), f"expected {n} marks: {await self.sql(query)}"
        return await self.sql(query)

    async def grace_over(self, grace: timedelta) -> None:
        """Time moves past the grace period and the grade alerts job runs (every 30 s)."""
        self.clock.advance(grace)
        await sweep_grade_alerts(self.client.app)

    def staff(self, school_id: str = "sch-1") -> dict[str, str]:
        token = mint_token(self.settings, "admin-1", "school_admin", school_id=school_id)
        return {"Authorization": f"Bearer {token}"}

    async def dead_letters(self, base: str, n: int) -> list[dict[str, str]]:
        """The headers of the first n dead letters of a topic."""
        consumer = AIOKafkaConsumer(
            self.settings.kafka_topic_prefix + base + ".dlq",
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        found: list[dict[str, str]] = []
        try:
            async with asyncio.timeout(20):
                while len(found) < n:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        found += [{k: v.decode() for k, v in r.headers} for r in records]
        finally:
            await consumer.stop()
        return found
