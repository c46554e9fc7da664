"""The embedded infrastructure really starts, serves, stops and leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from devstack import ApacheKafka, EmbeddedPostgres, EmbeddedStack, InfraError, TansuBroker
from devstack.stack import DATABASE_URL_ENV, KAFKA_BOOTSTRAP_ENV, default_kafka_cache_dir

ROOT = Path(__file__).resolve().parents[2]
URL_PATTERN = re.compile(r"postgresql://notifier:[A-Za-z0-9_-]{20,}@127\.0\.0\.1:\d+/notifier")


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live (non-zombie) process."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat_line.rpartition(")")[2].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    """Direct children of ``pid``; PostgreSQL's run in process groups of their own."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            children.append(int(entry.name))
    return children


def _family(pid: int | None) -> list[int]:
    """``pid`` and its children, to be checked for leftovers after a stop."""
    assert pid is not None
    return [pid, *_children(pid)]


def _assert_gone(pids: list[int], timeout: float = 0.0) -> None:
    deadline = time.monotonic() + timeout
    while any(map(_running, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if _running(pid)], "processes outlived their stop"


async def _kafka_round_trip(bootstrap: str) -> None:
    topic = f"devstack-{uuid.uuid4().hex[:12]}"
    # Tansu refuses InitProducerId, so no idempotence (the service configures the same).
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"ping", key=b"k", partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"k", b"ping")


async def test_postgres_round_trip_and_restart_keeps_data(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "postgres", fast=True)
    url = pg.start()
    assert URL_PATTERN.fullmatch(url)
    password_file = tmp_path / "postgres" / "password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password_file.read_text().strip() == urlsplit(url).password
    connection = await asyncpg.connect(url)
    try:
        assert await connection.fetchval("SELECT 1") == 1
        await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('x')")
    finally:
        await connection.close()
    family = _family(pg.pid)
    assert len(family) > 1  # checkpointer, walwriter, ...: must all go too
    pg.stop()
    _assert_gone(family)

    with EmbeddedPostgres(tmp_path / "postgres", fast=True) as again:
        assert urlsplit(again.url).password == urlsplit(url).password
        connection = await asyncpg.connect(again.url)
        try:
            assert await connection.fetchval("SELECT value FROM kept") == "x"
        finally:
            await connection.close()


def test_postgres_refuses_a_data_dir_in_use(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "postgres", fast=True) as first:
        second = EmbeddedPostgres(tmp_path / "postgres", fast=True)
        with pytest.raises(InfraError, match=f"in use by process {os.getpid()}"):
            second.start()
        assert first.pid is not None
        assert _running(first.pid)


def test_postgres_start_failure_reports_the_server_log(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "postgres", fast=True, max_connections=-1)
    with pytest.raises(InfraError, match="max_connections"):
        pg.start()
    assert pg.pid is None


async def test_tansu_round_trip() -> None:
    broker = TansuBroker()
    with broker:
        assert re.fullmatch(r"127\.0\.0\.1:\d+", broker.bootstrap)
        family = _family(broker.pid)
        await _kafka_round_trip(broker.bootstrap)
    _assert_gone(family)


@pytest.mark.kafka
async def test_apache_kafka_round_trip(tmp_path: Path) -> None:
    reason = ApacheKafka.available()
    if reason is not None:
        pytest.skip(reason)
    kafka = ApacheKafka(tmp_path / "kafka", default_kafka_cache_dir())
    bootstrap = kafka.start()
    family = _family(kafka.pid)
    try:
        await _kafka_round_trip(bootstrap)
    finally:
        kafka.stop()
    _assert_gone(family)


def _start_in_child_then_kill_it(
    data_dir: Path, *, from_thread: bool
) -> tuple[int, int, list[int]]:
    """Start PostgreSQL and Tansu in a child Python and SIGKILL it.

    Returns the postmaster's and the broker's pid and all their processes.
    """
    start = "threading.Thread(target=start).start()" if from_thread else "start()"
    script = (
        "import json, sys, threading, time\n"
        "from pathlib import Path\n"
        "from devstack import EmbeddedPostgres, TansuBroker\n"
        "pg = EmbeddedPostgres(Path(sys.argv[1]), fast=True)\n"
        "broker = TansuBroker()\n"
        "def start():\n"
        "    pg.start()\n"
        "    broker.start()\n"
        "    print(json.dumps([pg.pid, broker.pid]), flush=True)\n"
        f"{start}\n"
        "time.sleep(120)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(data_dir)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    ) as parent:
        assert parent.stdout is not None
        postmaster, broker = json.loads(parent.stdout.readline())
        family = _family(postmaster) + _family(broker)
        parent.kill()  # SIGKILL: no atexit, no finally
    return postmaster, broker, family


def test_servers_die_with_a_killed_parent(tmp_path: Path) -> None:
    # Spawned from the main thread, the servers carry PR_SET_PDEATHSIG.
    _, _, family = _start_in_child_then_kill_it(tmp_path / "postgres", from_thread=False)
    _assert_gone(family, timeout=20)
    with EmbeddedPostgres(tmp_path / "postgres", fast=True) as pg:
        assert URL_PATTERN.fullmatch(pg.url)


def test_postgres_takes_over_from_a_dead_owner(tmp_path: Path) -> None:
    # Spawned from another thread there is no parent-death signal (it would fire when that
    # thread ends), so the killed owner leaves its servers running; clean up Tansu here.
    postmaster, broker, family = _start_in_child_then_kill_it(
        tmp_path / "postgres", from_thread=True
    )
    try:
        assert _running(postmaster)
        with EmbeddedPostgres(tmp_path / "postgres", fast=True) as pg:
            assert pg.pid != postmaster
            _assert_gone([pid for pid in family if pid != broker])
    finally:
        os.kill(broker, signal.SIGKILL)


async def test_stack_starts_postgres_and_tansu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(KAFKA_BOOTSTRAP_ENV, raising=False)
    with EmbeddedStack(tmp_path, fast=True) as stack:
        assert URL_PATTERN.fullmatch(stack.database_url)
        assert isinstance(stack.broker, TansuBroker)
        connection = await asyncpg.connect(stack.database_url)
        try:
            assert await connection.fetchval("SELECT current_database()") == "notifier"
        finally:
            await connection.close()
        assert stack.postgres is not None
        family = _family(stack.postgres.pid) + _family(stack.broker.pid)
    _assert_gone(family)


def test_stack_uses_given_infrastructure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://u:p@db.example:5432/x")
    monkeypatch.setenv(KAFKA_BOOTSTRAP_ENV, "kafka.example:9092")
    with EmbeddedStack(tmp_path, kafka="apache") as stack:
        assert stack.database_url == "postgresql://u:p@db.example:5432/x"
        assert stack.kafka_bootstrap == "kafka.example:9092"
        assert stack.postgres is None
        assert stack.broker is None
    assert not os.listdir(tmp_path)
