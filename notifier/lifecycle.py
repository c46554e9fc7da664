"""The resources create_app opens and closes, as aiohttp cleanup contexts: each opens on
start-up, stores itself under a typed key, and closes (tasks cancelled *and awaited) on
shutdown. Nothing connects at import time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import timedelta

import asyncpg
from aiohttp import web
from aiokafka import AIOKafkaConsumer

from gateways.sms import SmsProvider
from notifier import keys
from notifier.consumer import EventConsumer
from notifier.db.migrate import migrate
from notifier.deadletter import DeadLetters
from notifier.handlers import Handler, HandlerContext
from notifier.kafka import ensure_topics, make_consumer, make_producer
from notifier.outbox.dispatcher import Dispatcher
from notifier.outbox.lowbalance import LowBalancePolicy
from notifier.scheduler import ScheduledJob, build_scheduler
from notifier.settings import Settings

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]


async def database(app: web.Application) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(app[keys.SETTINGS].database_url, min_size=2, max_size=20)
    async with pool.acquire() as conn:
        await migrate(conn)
    app[keys.POOL] = pool
    yield
    await pool.close()


async def kafka_producer(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    await ensure_topics(settings)
    producer = make_producer(settings)
    await producer.start()
    app[keys.PRODUCER] = producer
    yield
    await producer.stop()


def sms_provider(
    given: SmsProvider | None, registry: Mapping[str, Callable[[Settings], SmsProvider]]
) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[keys.SETTINGS]
        provider = given or registry[settings.sms_provider](settings)
        app[keys.SMS_PROVIDER] = provider
        yield
        await provider.close()

    return ctx


async def dispatcher(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    running = Dispatcher(
        pool=app[keys.POOL],
        provider=app[keys.SMS_PROVIDER],
        clock=app[keys.CLOCK],
        metrics=app[keys.METRICS],
        sender=s.sms_sender,
        batch_size=s.dispatch_batch_size,
        max_attempts=s.dispatch_max_attempts,
        low_balance=LowBalancePolicy.from_settings(s),
    )
    app[keys.DISPATCHER] = running
    task = asyncio.create_task(running.run(s.dispatch_poll_seconds), name="dispatcher")
    yield
    await _cancel(task)


def consumer(handlers: Mapping[str, Handler]) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        s = app[keys.SETTINGS]
        kafka = make_consumer(s)
        await kafka.start()
        running = _event_consumer(app, kafka, handlers)
        task = asyncio.create_task(running.run(), name="consumer")
        yield
        running.stop()  # finish the batch in hand and commit it
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=10)
        except TimeoutError:
            await _cancel(task)
        finally:
            await kafka.stop()

    return ctx


def _event_consumer(
    app: web.Application, kafka: AIOKafkaConsumer, handlers: Mapping[str, Handler]
) -> EventConsumer:
    s = app[keys.SETTINGS]
    woken = app.get(keys.DISPATCHER)
    hold_ttl = timedelta(hours=s.hold_ttl_hours)
    policy = LowBalancePolicy.from_settings(s)
    return EventConsumer(
        pool=app[keys.POOL],
        kafka=kafka,
        handlers=handlers,
        prefix=s.kafka_topic_prefix,
        ctx=HandlerContext(app[keys.CLOCK], s.sms_max_parts, hold_ttl, policy),
        dead_letters=DeadLetters(
            app[keys.PRODUCER], prefix=s.kafka_topic_prefix, group_id=s.kafka_group_id
        ),
        metrics=app[keys.METRICS],
        on_queued=woken.wakeup.set if woken else lambda: None,
    )


def scheduler(jobs: list[ScheduledJob]) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        running = build_scheduler(app, jobs)
        running.start()
        yield
        running.shutdown(wait=False)

    return ctx


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
