"""create_app: the one place that builds and wires everything (production, `make run`, tests)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
from aiohttp import web

from billing.lowbalance import LowBalancePolicy
from gateways.sms import DevSmsProvider, SmsProvider
from notifier import keys
from notifier import web as manager_page
from notifier.auth import TokenVerifier
from notifier.clock import Clock, SystemClock
from notifier.consumer import EventConsumer
from notifier.db.migrate import migrate
from notifier.deadletter import DeadLetters
from notifier.dispatcher import Dispatcher
from notifier.expiry import expire_stale_notifications
from notifier.handlers import Handler, HandlerContext
from notifier.handlers.grades import apply_grade_event
from notifier.handlers.homework import apply_homework_event
from notifier.handlers.roster import apply_roster_event
from notifier.http import api, finance, health, internal, payments
from notifier.http.errors import error_middleware
from notifier.kafka import ensure_topics, make_consumer, make_producer
from notifier.metrics import Metrics
from notifier.scheduler import ScheduledJob, build_scheduler
from notifier.settings import Settings

SMS_PROVIDERS: dict[str, Callable[[Settings], SmsProvider]] = {
    "dev": lambda s: DevSmsProvider(s.sms_dev_outbox),
}

# Scheduled jobs: add yours here (name, async fn(app), trigger, trigger options).
JOBS: list[ScheduledJob] = [
    ScheduledJob("expire-stale-sms", expire_stale_notifications, "interval", {"minutes": 1}),
    # --- finance: reconcile the payment gateways for the previous day ---
    ScheduledJob(
        "reconcile-payments",
        finance.reconcile_yesterday,
        "cron",
        {"hour": 2, "minute": 30, "timezone": "Asia/Almaty"},
    ),
    # --- end finance ---
    # --- payments: give up on top-ups never paid ---
    ScheduledJob("expire-top-ups", payments.expire_top_ups, "interval", {"minutes": 5}),
    # --- end payments ---
]

HANDLERS: dict[str, Handler] = {
    "diary.roster": apply_roster_event,
    "diary.homework": apply_homework_event,
    "diary.grades": apply_grade_event,
}

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sms_provider: SmsProvider | None = None,
    consume: bool = True,
    dispatch: bool = True,
    schedule: bool = True,
) -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock or SystemClock()
    app[keys.METRICS] = Metrics()
    app[keys.TOKEN_VERIFIER] = TokenVerifier(settings)
    app.add_routes(health.routes() + internal.routes())
    app.add_routes(api.routes())  # /api/v1: the parents' Notification Manager API
    app.add_routes(manager_page.routes())  # /manager: the web page
    app.add_routes(payments.routes())  # top-up callbacks and webhooks
    # --- stripe: POST /payments/stripe/webhook (its gateway: payments.PAYMENT_GATEWAYS) ---
    from notifier.http import stripe_webhook

    app.add_routes(stripe_webhook.routes())
    # --- end stripe ---
    app.add_routes(finance.routes())  # finance reports and reconciliation
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_kafka_producer)
    app.cleanup_ctx.append(_sms_provider(sms_provider))
    app.cleanup_ctx.append(payments.payment_gateways)  # payments: before finance uses them
    app.cleanup_ctx.append(finance.finance_context)  # finance: gateways + metrics
    if dispatch:
        app.cleanup_ctx.append(_dispatcher)
    if consume:
        app.cleanup_ctx.append(_consumer)
    if schedule:
        app.cleanup_ctx.append(_scheduler)
    return app


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    scheduler = build_scheduler(app, JOBS)
    scheduler.start()
    yield
    scheduler.shutdown(wait=False)


async def _database(app: web.Application) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(app[keys.SETTINGS].database_url, min_size=2, max_size=20)
    async with pool.acquire() as conn:
        await migrate(conn)
    app[keys.POOL] = pool
    yield
    await pool.close()


async def _kafka_producer(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    await ensure_topics(settings)
    producer = make_producer(settings)
    await producer.start()
    app[keys.PRODUCER] = producer
    yield
    await producer.stop()


def _sms_provider(given: SmsProvider | None) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[keys.SETTINGS]
        provider = given or SMS_PROVIDERS[settings.sms_provider](settings)
        app[keys.SMS_PROVIDER] = provider
        yield
        await provider.close()

    return ctx


async def _dispatcher(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    dispatcher = Dispatcher(
        pool=app[keys.POOL],
        provider=app[keys.SMS_PROVIDER],
        clock=app[keys.CLOCK],
        metrics=app[keys.METRICS],
        sender=s.sms_sender,
        batch_size=s.dispatch_batch_size,
        max_attempts=s.dispatch_max_attempts,
        low_balance=LowBalancePolicy.from_settings(s),
    )
    app[keys.DISPATCHER] = dispatcher
    task = asyncio.create_task(dispatcher.run(s.dispatch_poll_seconds), name="dispatcher")
    yield
    await _cancel(task)


async def _consumer(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    kafka = make_consumer(s)
    await kafka.start()
    dispatcher = app.get(keys.DISPATCHER)
    consumer = EventConsumer(
        pool=app[keys.POOL],
        kafka=kafka,
        handlers=HANDLERS,
        prefix=s.kafka_topic_prefix,
        ctx=HandlerContext(
            app[keys.CLOCK],
            s.sms_max_parts,
            timedelta(hours=s.hold_ttl_hours),
            LowBalancePolicy.from_settings(s),
        ),
        dead_letters=DeadLetters(
            app[keys.PRODUCER], prefix=s.kafka_topic_prefix, group_id=s.kafka_group_id
        ),
        metrics=app[keys.METRICS],
        on_queued=dispatcher.wakeup.set if dispatcher else lambda: None,
    )
    task = asyncio.create_task(consumer.run(), name="consumer")
    yield
    consumer.stop()  # finish the message in hand and commit it
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=10)
    except TimeoutError:
        await _cancel(task)
    finally:
        await kafka.stop()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    """Poll an async predicate; used by the demo and tests to await observable effects."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False
