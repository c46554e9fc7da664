"""Small helpers shared by tests: build events, publish them, read what parents received."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from schemas import encode_event


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    """Poll an async predicate until it holds: tests await effects a user would see."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False


@dataclass
class MovableClock:
    """The injected clock of tests: they move time instead of sleeping."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def dsn_with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


def envelope(event_type: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": datetime.now(UTC).isoformat(),
        "schema_version": 1,
    }


def pupil_enrolled(pupil_id: str, class_id: str = "c-5a", **over: Any) -> dict[str, Any]:
    return (
        envelope("pupil.enrolled")
        | {
            "pupil_id": pupil_id,
            "school_id": "sch-1",
            "school_name": "Школа-гимназия №1",
            "school_country": "KZ",
            "class_id": class_id,
            "class_name": "5А",
            "first_name": "Айгерим",
            "locale": "ru",
            "time_zone": "Asia/Almaty",
        }
        | over
    )


def parent_linked(parent_id: str, pupil_id: str) -> dict[str, Any]:
    return envelope("parent.linked") | {"parent_id": parent_id, "pupil_id": pupil_id}


def asserted_consent(parent_id: str, source: str = "paper form 2026/118") -> dict[str, str]:
    """The consent the core system holds, as it sends it with a subscription."""
    return {"given_by": parent_id, "given_at": "2026-09-01T09:30:00+05:00", "source": source}


def homework_assigned(class_id: str = "c-5a", **over: Any) -> dict[str, Any]:
    return (
        envelope("homework.assigned")
        | {
            "homework_id": f"hw-{uuid.uuid4().hex[:8]}",
            "school_id": "sch-1",
            "class_id": class_id,
            "subject": "Математика",
            "text": "Стр. 45, № 3–7",
            "due_date": date(2026, 11, 25).isoformat(),
            "teacher_id": "t-1",
        }
        | over
    )


async def publish(
    bootstrap: str, topic: str, key: str, value: dict[str, Any] | bytes | BaseModel | None
) -> None:
    """`value` None publishes a tombstone (a record with a null value)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        raw: bytes | None
        if value is None:
            raw = None
        elif isinstance(value, BaseModel):
            raw = encode_event(value)
        elif isinstance(value, bytes):
            raw = value
        else:
            raw = json.dumps(value, ensure_ascii=False).encode()
        await producer.send_and_wait(topic, raw, key=key.encode())
    finally:
        await producer.stop()


def received_sms(outbox: Path) -> list[dict[str, Any]]:
    if not outbox.exists():
        return []
    return [json.loads(line) for line in outbox.read_text("utf-8").splitlines() if line]


# Tests that write outbox rows by hand put the queued ones in the narrow queue too, as
# enqueue_paid does (notifier/outbox/queue.py): the dispatcher claims from there.
QUEUE_QUEUED = (
    "INSERT INTO outbox_queue (notification_id, due_at) SELECT id, next_attempt_at"
    " FROM notifications WHERE status = 'queued' ON CONFLICT DO NOTHING"
)
