"""create_app: the one place that builds and wires everything (production, `make run`, tests)."""

from __future__ import annotations

from aiohttp import web

from gateways.sms import SmsProvider
from notifier import keys, lifecycle, production
from notifier import web as manager_page
from notifier.clock import Clock, SystemClock
from notifier.handlers import Handler
from notifier.handlers.announcements import apply_announcement
from notifier.handlers.grades import apply_grade_event
from notifier.handlers.homework import apply_homework_event
from notifier.handlers.roster import apply_roster_event
from notifier.http import (
    api,
    digest_admin,
    finance,
    health,
    internal,
    ops,
    payments,
    sms_reports,
)
from notifier.http.auth import TOKEN_VERIFIER, TokenVerifier
from notifier.http.errors import error_middleware
from notifier.http.guards import refuse_nul
from notifier.jobs import JOBS
from notifier.metrics import Metrics
from notifier.ops.offsets import broker_offsets
from notifier.outbox import providers
from notifier.settings import Settings
from notifier.supervise import Supervisor
from notifier.topups.gateways import payment_gateways
from notifier.topups.reconcile import finance_context
from notifier.web import ops_page

# One handler per topic the schemas' registry says this service consumes (kafka.CONSUMED);
# tests/unit/test_topics.py holds the two lists together.
HANDLERS: dict[str, Handler] = {
    "diary.roster": apply_roster_event,
    "diary.homework": apply_homework_event,
    "diary.grades": apply_grade_event,
    "diary.announcements": apply_announcement,
}


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sms_provider: SmsProvider | None = None,
    consume: bool = True,
    dispatch: bool = True,
    schedule: bool = True,
) -> web.Application:
    production.check_settings(settings)  # DEPLOYMENT_MODE=production: nothing unsafe starts
    app = web.Application(middlewares=[error_middleware, refuse_nul])
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock or SystemClock()
    app[keys.METRICS] = Metrics()
    app[keys.SUPERVISOR] = Supervisor()
    app[TOKEN_VERIFIER] = TokenVerifier(settings)
    app.add_routes(health.routes() + internal.routes())
    app.add_routes(digest_admin.routes())  # /internal/v1/schools/…: digest settings, re-runs
    app.add_routes(api.routes())  # /api/v1: the parents' Notification Manager API
    app.add_routes(manager_page.routes())  # /manager: the web page
    app.add_routes(payments.routes())  # top-ups, payment page, gateway callbacks, Stripe
    app.add_routes(finance.routes())  # finance reports and reconciliation
    app.add_routes(sms_reports.routes())  # SMS providers' delivery-report callbacks
    app.add_routes(ops.routes() + ops_page.routes())  # /api/v1/ops/… and the /ops page
    app.cleanup_ctx.append(lifecycle.database)
    if settings.deployment_mode == "production":
        app.cleanup_ctx.append(production.schools_have_routes)
    app.cleanup_ctx.append(lifecycle.kafka_producer)
    app.cleanup_ctx.append(providers.sms_providers(sms_provider))  # SMS_ROUTES
    app.cleanup_ctx.append(payment_gateways)  # before finance uses them
    app.cleanup_ctx.append(finance_context)  # gateways for reconciliation + metrics
    app.cleanup_ctx.append(broker_offsets)  # dead letters and consumer lag, read-only
    if dispatch:
        app.cleanup_ctx.append(lifecycle.dispatcher)
    if consume:
        app.cleanup_ctx.append(lifecycle.consumer(HANDLERS))
    if schedule:
        app.cleanup_ctx.append(lifecycle.scheduler(JOBS))
    return app
