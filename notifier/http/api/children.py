"""The parent's children and each child's subscription (phone, types, language)."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from notifier import keys
from notifier.http.api.io import json_model, now, origin, pool, read_body, wake_dispatcher
from notifier.http.api.models import (
    ChildOut,
    ChildrenOut,
    SubscriptionIn,
    SubscriptionOut,
    TypePath,
    VerificationOut,
)
from notifier.http.api.phone_input import phone_or_422
from notifier.http.auth import authenticate
from notifier.http.openapi import ApiRoute
from notifier.manager.links import link_secret
from notifier.manager.phone_status import verification_of, verify_if_needed
from notifier.manager.roster import children, linked_child
from notifier.manager.subscriptions import (
    Subscription,
    Wanted,
    load_subscription,
    save_subscription,
    switch_off,
)
from notifier.manager.verification import VerificationState
from notifier.notification_types import NOTIFICATION_TYPES


async def list_children(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with pool(request).acquire() as conn:
        found = await children(conn, parent.subject)
    items = [ChildOut(pupil_id=c.pupil_id, first_name=c.first_name, class_name=c.class_name,
                      school_name=c.school_name) for c in found]  # fmt: skip
    return json_model(ChildrenOut(items=items))


async def get_subscription(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    async with pool(request).acquire() as conn:
        sub = await load_subscription(conn, parent.subject, request.match_info["pupil_id"])
        check = await verification_of(
            conn, parent.subject, sub, now(request), phones_per_day=_phones_per_day(request)
        )
    return json_model(_out(sub, check))


async def put_subscription(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, SubscriptionIn)
    phone = phone_or_422(body.phone, body.language)
    wanted = Wanted(
        phone, frozenset(body.types), body.language, body.latin, body.grade_alerts_per_day
    )
    secret, at = link_secret(request.app[keys.SETTINGS]), now(request)
    pupil_id = request.match_info["pupil_id"]
    async with pool(request).acquire() as conn, conn.transaction():
        sub = await save_subscription(
            conn, parent.subject, pupil_id, wanted, origin(request, parent.subject), at
        )
        check = await verify_if_needed(
            conn, parent.subject, sub, secret=secret, now=at,
            phones_per_day=_phones_per_day(request),
        )  # fmt: skip
    wake_dispatcher(request)
    return json_model(_out(sub, check))


async def delete_subscription_type(request: web.Request) -> web.Response:
    kind = TypePath.model_validate({"type": request.match_info["type"]}).type
    return await _switch_off(request, {kind})


async def delete_subscription(request: web.Request) -> web.Response:
    return await _switch_off(request, set(NOTIFICATION_TYPES))


async def _switch_off(request: web.Request, drop: set[str]) -> web.Response:
    parent = authenticate(request, "parent")
    pupil_id, at = request.match_info["pupil_id"], now(request)
    async with pool(request).acquire() as conn, conn.transaction():
        await linked_child(conn, parent.subject, pupil_id)
        await switch_off(
            conn, parent.subject, pupil_id, drop=drop, action="unsubscribe",
            origin=origin(request, parent.subject), now=at,
        )  # fmt: skip
        sub = await load_subscription(conn, parent.subject, pupil_id)
        check = await verification_of(
            conn, parent.subject, sub, at, phones_per_day=_phones_per_day(request)
        )
    return json_model(_out(sub, check))


def _phones_per_day(request: web.Request) -> int:
    return request.app[keys.SETTINGS].verification_phones_per_day


def _out(sub: Subscription, check: VerificationState) -> SubscriptionOut:
    return SubscriptionOut(
        pupil_id=sub.pupil_id,
        phone=sub.phone,
        phone_verified=sub.phone_verified,
        types=list(sub.types),
        language=sub.language,
        latin=sub.latin,
        grade_alerts_per_day=sub.grade_alerts_per_day,
        active=sub.active,
        verification=VerificationOut(**asdict(check)),
    )


PATH = "/api/v1/children/{pupil_id}/subscription"
TABLE = [
    ApiRoute("GET", "/api/v1/children", list_children, "The parent's children",
             response=ChildrenOut),
    ApiRoute("GET", PATH, get_subscription, "A child's SMS subscription",
             response=SubscriptionOut),
    ApiRoute("PUT", PATH, put_subscription,
             "Save phone, types and language; an unverified phone gets a code by SMS",
             body=SubscriptionIn, response=SubscriptionOut),
    ApiRoute("DELETE", PATH, delete_subscription, "Switch all SMS for this child off",
             response=SubscriptionOut),
    ApiRoute("DELETE", PATH + "/types/{type}", delete_subscription_type,
             "Stop one notification type", response=SubscriptionOut, path_params=TypePath,
             errors=(422,)),
]  # fmt: skip
