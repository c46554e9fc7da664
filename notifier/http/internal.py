"""Internal API for the core e-school system and operations: subscriptions it already holds
consent for, manual wallet credits, SMS delivery reports and parents' replies (STOP).

Guarded by INTERNAL_API_TOKEN; disabled when it is not set (there is no default token).
Documented at GET /internal/v1/openapi.json (notifier.http.internal_docs), from TABLE.
"""

from __future__ import annotations

from aiohttp import web

from notifier import keys
from notifier.http import internal_docs, internal_imports, internal_incoming, internal_wallets
from notifier.http.auth import Role
from notifier.http.errors import ApiError
from notifier.http.internal_auth import authorize
from notifier.http.internal_models import (
    CreditIn,
    DeliveryReportIn,
    DeliveryReportOut,
    IncomingSmsIn,
    IncomingSmsOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionsOut,
    SubscriptionsQuery,
    WalletOut,
)
from notifier.http.openapi import ApiRoute, api_routes
from notifier.manager.asserted import AssertedConsent, save_asserted
from notifier.outbox.delivery import apply_delivery_report
from notifier.sms.phones import normalize_mobile


async def put_subscription(request: web.Request) -> web.Response:
    authorize(request)
    body = SubscriptionIn.model_validate_json(await request.read())
    phone = normalize_mobile(body.phone)
    consent = AssertedConsent(**body.consent.model_dump())
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        row = await save_asserted(
            conn, body.parent_id, body.pupil_id, phone, body.types, body.language, consent,
            request.app[keys.CLOCK].now(), latin=body.latin,
            grade_alerts_per_day=body.grade_alerts_per_day,
        )  # fmt: skip
    if row is None:
        raise ApiError(404, "not_found", "no such pupil linked to this parent")
    return web.json_response(dict(row), status=200)


async def list_subscriptions(request: web.Request) -> web.Response:
    authorize(request)
    query = SubscriptionsQuery.model_validate(dict(request.query))
    rows = await request.app[keys.POOL].fetch(
        "SELECT id, parent_id, pupil_id, phone, types, language, latin, grade_alerts_per_day,"
        " active FROM subscriptions WHERE parent_id = $1 ORDER BY id",
        query.parent_id,
    )
    return web.json_response({"items": [dict(r) for r in rows]})


async def delivery_report(request: web.Request) -> web.Response:
    """For providers whose reports arrive by other means (files, polling), and for ops."""
    authorize(request)
    body = DeliveryReportIn.model_validate_json(await request.read())
    app = request.app
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        outcome = await apply_delivery_report(
            conn,
            provider=body.provider,
            provider_message_id=body.provider_message_id,
            status=body.status,
            detail=body.detail,
            at=app[keys.CLOCK].now(),
            policy=app[keys.SETTINGS].undeliverable_policy,
        )
    if outcome == "unknown_message":
        raise ApiError(404, "not_found", "no SMS with this provider message id")
    return web.json_response({"outcome": outcome})


SERVICE: tuple[Role, ...] = ("service",)  # documented as INTERNAL_API_TOKEN, not a JWT
TABLE = [
    ApiRoute("POST", "/internal/v1/delivery-reports", delivery_report,
             "Apply an SMS delivery report (not delivered: refund per UNDELIVERABLE_POLICY)",
             body=DeliveryReportIn, response=DeliveryReportOut, errors=(404, 503),
             roles=SERVICE, tag="internal"),
    ApiRoute("POST", "/internal/v1/incoming-sms", internal_incoming.incoming_sms,
             "Take a parent's message to our sender: STOP, СТОП, ТОКТОТ or ТОҚТАТ switches off"
             " every paid SMS to that phone", body=IncomingSmsIn, response=IncomingSmsOut,
             errors=(503,), roles=SERVICE, tag="internal"),
    ApiRoute("PUT", "/internal/v1/subscriptions", put_subscription,
             "Create or replace a subscription whose phone the core system verified, with the"
             " consent it holds (who, when, source): kept in the consent record",
             body=SubscriptionIn, response=SubscriptionOut, errors=(404, 503),
             roles=SERVICE, tag="internal"),
    ApiRoute("GET", "/internal/v1/subscriptions", list_subscriptions,
             "A parent's subscriptions", query=SubscriptionsQuery, response=SubscriptionsOut,
             errors=(503,),
             roles=SERVICE, tag="internal"),
    ApiRoute("POST", "/internal/v1/wallets/{parent_id}/credits", internal_wallets.credit,
             "Credit a parent's wallet (idempotent per reference; amount an integer in minor"
             " units; 404 for a parent the roster does not know)", body=CreditIn,
             response=WalletOut, status=201, errors=(404, 409, 503),
             roles=SERVICE, tag="internal"),
    ApiRoute("GET", "/internal/v1/wallets/{parent_id}", internal_wallets.get_wallet,
             "A parent's balance",
             response=WalletOut, errors=(503,),
             roles=SERVICE, tag="internal"),
    ApiRoute("POST", "/internal/v1/imports/subscriptions", internal_imports.import_subscriptions,
             "Onboarding: stream subscriptions (NDJSON), applied in batches; resumable by id",
             body=internal_imports.SubscriptionLine, body_media="application/x-ndjson",
             query=internal_imports.ImportQuery, response=internal_imports.ImportOut,
             errors=(503,), roles=SERVICE, tag="internal"),
    ApiRoute("POST", "/internal/v1/imports/balances", internal_imports.import_balances,
             "Onboarding: stream opening balances (NDJSON) into wallets through the ledger",
             body=internal_imports.BalanceLine, body_media="application/x-ndjson",
             query=internal_imports.ImportQuery, response=internal_imports.ImportOut,
             errors=(503,), roles=SERVICE, tag="internal"),
]  # fmt: skip


def routes() -> list[web.RouteDef]:
    return api_routes(TABLE) + internal_docs.routes()
