"""One storm scenario: a seeded school, the real service as child processes, a homework
stream, faults injected while it runs, then the end state tallied against the reference."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.school import School, build_school, homework_events
from benchmarks.seed import seed_school
from benchmarks.stream import publish_stream
from devstack.service import ServiceProcess
from notifier.settings import Settings
from tests.crash import figures
from tests.crash.checks import Tally, count_valid_dead_letters, tally

HARNESS_APP = "crash-harness"  # our own connections, spared when backends are terminated
DRAIN_TIMEOUT = 60.0


@dataclass
class Storm:
    settings: Settings
    log_dir: Path
    rng: random.Random
    services: list[ServiceProcess] = field(default_factory=list)
    school: School = field(default_factory=School)
    events: list[dict[str, Any]] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def env(self, **extra: str) -> dict[str, str]:
        s = self.settings
        assert s.internal_api_token is not None
        return {
            "DATABASE_URL": s.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": s.kafka_bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": s.kafka_topic_prefix,
            "KAFKA_GROUP_ID": s.kafka_group_id,
            "KAFKA_SESSION_TIMEOUT_MS": str(s.kafka_session_timeout_ms),
            "INTERNAL_API_TOKEN": s.internal_api_token.get_secret_value(),
            "SMS_DEV_OUTBOX": str(s.sms_dev_outbox),
            "LOG_LEVEL": "INFO",
            "LOW_BALANCE_NOTICE": "flag",
            "DISPATCH_POLL_SECONDS": "0.1",
            "SEND_WINDOW": s.send_window,  # any hour: a storm at night must not wait for 9:00
        } | extra

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self.settings.database_url, server_settings={"application_name": HARNESS_APP}
        )

    async def seed(self, classes: int = 40, events: int = 1200) -> None:
        self.school = build_school(classes, seed=self.rng.randrange(1 << 30))
        self.events = homework_events(self.school, events, seed=self.rng.randrange(1 << 30))
        conn = await self.connect()
        try:
            await seed_school(conn, self.school)
        finally:
            await conn.close()

    async def start(self, name: str = "a", **env: str) -> ServiceProcess:
        # A stable name per replica, as a pod name would be: a restarted replica takes its
        # own unfinished sends back at once instead of waiting for their leases.
        env = {"INSTANCE_ID": f"crash-{name}"} | env
        service = ServiceProcess(self.env(**env), self.log_dir, name=name)
        self.services.append(service)
        await asyncio.to_thread(service.start)
        return service

    async def restart(self, service: ServiceProcess, sig: signal.Signals) -> None:
        """Kill with `sig`, reap, start again: what a supervisor does after a crash."""
        service.kill(sig)
        await asyncio.to_thread(service.wait, 60.0)
        self.faults[sig.name] += 1
        await asyncio.to_thread(service.start)

    async def terminate_backends(self) -> int:
        """pg_terminate_backend on every connection of the service(s) to this database."""
        conn = await self.connect()
        try:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name <> $1",
                HARNESS_APP,
            )
        finally:
            await conn.close()
        self.faults["pg_terminate_backend"] += 1
        return int(killed)

    async def publish(self, events: Sequence[dict[str, Any]], rate: float) -> None:
        topic = self.settings.kafka_topic_prefix + "diary.homework"
        await publish_stream(self.settings.kafka_bootstrap_servers, topic, events, rate=rate)

    async def drained(self, timeout: float = DRAIN_TIMEOUT) -> bool:
        """Every event applied and nothing left to send (bounded)."""
        ids = [e["event_id"] for e in self.events]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = await self.connect()
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(0.5)
                continue
            try:
                applied = await conn.fetchval(
                    "SELECT count(*) FROM processed_events WHERE event_id = ANY ($1::uuid[])", ids
                )
                pending = await conn.fetchval(
                    "SELECT count(*) FROM notifications WHERE status IN ('queued', 'sending')"
                )
            except (OSError, asyncpg.PostgresError):
                applied, pending = -1, -1
            finally:
                await conn.close()
            if applied == len(ids) and pending == 0:
                return True
            await asyncio.sleep(0.5)
        return False

    async def tally(self) -> Tally:
        conn = await self.connect()
        try:
            return await tally(conn, self.school, self.events, self.settings.sms_dev_outbox)
        finally:
            await conn.close()

    async def verdict(self, name: str) -> Tally:
        """Tally the end state, print and record the figures, stop the services."""
        drained = await self.drained()
        result = await self.tally()
        result.valid_dead_lettered = await count_valid_dead_letters(
            self.settings.kafka_bootstrap_servers, self.settings.kafka_topic_prefix, self.events
        )
        rss = max((s.rss_peak_mb() for s in self.services), default=0.0)
        for service in self.services:
            service.stop()
        line = result.line(
            name,
            drained=drained,
            faults=dict(self.faults),
            elapsed_s=round(time.monotonic() - self.started, 1),
            peak_rss_mb=round(rss),
        )
        figures.record(line)
        return result


def assert_clean(result: Tally, storm: Storm) -> None:
    logs = ", ".join(str(s.log_path) for s in storm.services)
    assert result.expected > 0, "the reference is empty: the run proves nothing"
    assert result.problems() == {}, f"{result.line('storm')} (service logs: {logs})"
