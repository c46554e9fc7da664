"""The resources create_app opens and closes, as aiohttp cleanup contexts: each opens on
start-up, stores itself under a typed key, and closes (tasks cancelled *and awaited) on
shutdown. Nothing connects at import time."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import timedelta
from functools import partial

import asyncpg
from aiohttp import web
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from notifier import keys
from notifier.consumer import EventConsumer
from notifier.db.migrate import migrate
from notifier.deadletter import DeadLetters
from notifier.errors import Unreachable
from notifier.handlers import Handler, HandlerContext
from notifier.kafka import ensure_topics, make_consumer, make_producer, topic_names
from notifier.outbox.dispatcher import DispatchConfig, Dispatcher
from notifier.outbox.lowbalance import LowBalancePolicy
from notifier.scheduler import ScheduledJob, build_scheduler
from notifier.settings import Settings
from notifier.supervise import Loop, every
from notifier.unparking import ParkedEvents

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]


async def database(app: web.Application) -> AsyncIterator[None]:
    try:
        pool = await asyncpg.create_pool(app[keys.SETTINGS].database_url, min_size=2, max_size=20)
    except (OSError, asyncpg.PostgresError) as exc:
        raise Unreachable(f"cannot use PostgreSQL (DATABASE_URL): {exc}") from exc
    async with pool.acquire() as conn:
        await migrate(conn)
    app[keys.POOL] = pool
    yield
    await pool.close()


async def kafka_producer(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    producer = make_producer(settings)
    try:
        await ensure_topics(settings)
        await producer.start()
    except (OSError, KafkaError) as exc:
        await producer.stop()
        raise Unreachable(f"cannot use Kafka (KAFKA_BOOTSTRAP_SERVERS): {exc!r}") from exc
    app[keys.PRODUCER] = producer
    yield
    await producer.stop()


def dispatch_config(s: Settings) -> DispatchConfig:
    return DispatchConfig(
        owner=s.instance_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        sender=s.sms_sender,
        batch_size=s.dispatch_batch_size,
        max_attempts=s.dispatch_max_attempts,
        lease=timedelta(seconds=s.dispatch_lease_seconds),
        max_in_flight=s.dispatch_max_in_flight,
        send_timeout=s.dispatch_send_timeout_seconds,
        in_doubt_policy=s.in_doubt_policy,
        undeliverable_policy=s.undeliverable_policy,
    )


async def dispatcher(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    running = Dispatcher(
        pool=app[keys.POOL],
        provider=app[keys.SMS_PROVIDER],
        clock=app[keys.CLOCK],
        metrics=app[keys.METRICS],
        config=dispatch_config(s),
        low_balance=LowBalancePolicy.from_settings(s),
    )
    app[keys.DISPATCHER] = running

    async def run(loop: Loop) -> None:
        running.beat = loop.beat
        await running.run(s.dispatch_poll_seconds)

    app[keys.SUPERVISOR].start("dispatcher", run, stale_after=s.dispatch_send_timeout_seconds * 6)
    yield
    running.stop()  # finish and settle the batch in flight, claim nothing new
    await app[keys.SUPERVISOR].stop("dispatcher", timeout=s.dispatch_send_timeout_seconds + 5)
    with contextlib.suppress(Exception):  # what is left goes back to the queue, in doubt
        await running.hand_back()


def consumer(handlers: Mapping[str, Handler]) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        s = app[keys.SETTINGS]
        kafka = make_consumer(s)
        running = _event_consumer(app, kafka, handlers)
        running.subscribe(topic_names(s))
        await kafka.start()
        parked = ParkedEvents(
            pool=app[keys.POOL], handlers=handlers, prefix=s.kafka_topic_prefix,
            ctx=_handler_context(app), dead_letters=_dead_letters(app),
            wait=timedelta(seconds=s.roster_wait_seconds), metrics=app[keys.METRICS],
            on_queued=_wake_dispatcher(app),
        )  # fmt: skip
        supervisor = app[keys.SUPERVISOR]

        async def consume(loop: Loop) -> None:
            running.beat = loop.beat
            await running.run()

        supervisor.start(
            "consumer", consume, stale_after=max(60.0, s.kafka_session_timeout_ms / 1000)
        )
        supervisor.start("parked-events", partial(every, 1.0, parked.retry_due), stale_after=120)
        yield
        running.stop()  # finish the batch in hand and commit it
        await supervisor.stop("parked-events", timeout=0)
        try:
            await supervisor.stop("consumer", timeout=10)
        finally:
            await kafka.stop()

    return ctx


def _handler_context(app: web.Application) -> HandlerContext:
    return HandlerContext.from_settings(app[keys.SETTINGS], app[keys.CLOCK])


def _dead_letters(app: web.Application) -> DeadLetters:
    s = app[keys.SETTINGS]
    return DeadLetters(
        app[keys.PRODUCER], prefix=s.kafka_topic_prefix, group_id=s.kafka_group_id,
        max_value_bytes=s.dlq_max_value_bytes,
    )  # fmt: skip


def _event_consumer(
    app: web.Application, kafka: AIOKafkaConsumer, handlers: Mapping[str, Handler]
) -> EventConsumer:
    s = app[keys.SETTINGS]
    return EventConsumer(
        pool=app[keys.POOL],
        kafka=kafka,
        handlers=handlers,
        prefix=s.kafka_topic_prefix,
        ctx=_handler_context(app),
        dead_letters=_dead_letters(app),
        metrics=app[keys.METRICS],
        on_queued=_wake_dispatcher(app),
    )


def _wake_dispatcher(app: web.Application) -> Callable[[], None]:
    woken = app.get(keys.DISPATCHER)
    return woken.wakeup.set if woken else lambda: None


def scheduler(jobs: list[ScheduledJob]) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        running = build_scheduler(app, jobs)
        running.start()
        yield
        running.shutdown(wait=False)

    return ctx
