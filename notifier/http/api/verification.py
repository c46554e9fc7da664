"""Phone verification: ask for a code (again), confirm it."""

from __future__ import annotations

from aiohttp import web

from notifier import keys
from notifier.http.api.io import json_model, now, pool, read_body, wake_dispatcher
from notifier.http.api.models import (
    PhoneConfirmIn,
    PhoneConfirmOut,
    PhoneVerificationIn,
    PhoneVerificationOut,
)
from notifier.http.api.phone_input import phone_or_422
from notifier.http.auth import authenticate
from notifier.http.errors import ApiError
from notifier.http.openapi import ApiRoute
from notifier.manager.codes import MAX_ATTEMPTS
from notifier.manager.confirmation import confirm
from notifier.manager.links import EVERY_CHILD, link_secret, unsubscribe_link
from notifier.manager.phone_status import phone_language
from notifier.manager.verification import send_code


async def request_code(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, PhoneVerificationIn)
    phone = phone_or_422(body.phone, body.language or "ru")
    secret, at = link_secret(request.app[keys.SETTINGS]), now(request)
    async with pool(request).acquire() as conn, conn.transaction():
        language = body.language or await phone_language(conn, parent.subject, phone)
        expires_at = await send_code(
            conn, parent_id=parent.subject, phone=phone, language=language, secret=secret, now=at,
            phones_per_day=request.app[keys.SETTINGS].verification_phones_per_day,
        )  # fmt: skip
    wake_dispatcher(request)
    return json_model(PhoneVerificationOut(phone=phone, expires_at=expires_at), status=202)


async def confirm_code(request: web.Request) -> web.Response:
    parent = authenticate(request, "parent")
    body = await read_body(request, PhoneConfirmIn)
    phone = phone_or_422(body.phone, "ru")
    settings = request.app[keys.SETTINGS]
    secret, at = link_secret(settings), now(request)
    stop_link = unsubscribe_link(settings, parent.subject, EVERY_CHILD, "all", now=at)
    async with pool(request).acquire() as conn, conn.transaction():
        result = await confirm(
            conn, parent_id=parent.subject, phone=phone, code=body.code, secret=secret, now=at,
            stop_link=stop_link,
        )  # fmt: skip
    # Raised after the commit: a wrong guess must stay counted.
    if result.outcome == "wrong_code":
        left = {"attempts_left": result.attempts_left}
        raise ApiError(422, "wrong_code", "the code is wrong", left)
    if result.outcome == "expired":
        raise ApiError(
            410, "code_expired", f"the code expired or was tried {MAX_ATTEMPTS} times; ask again"
        )
    wake_dispatcher(request)  # the free SMS with the link to stop
    return json_model(PhoneConfirmOut(phone=phone, verified=True))


TABLE = [
    ApiRoute("POST", "/api/v1/phone-verifications", request_code,
             "Send a verification code to a phone (free; at most 3 an hour, and codes for at"
             " most VERIFICATION_PHONES_PER_DAY (3) different phones a parent a day; 429 with"
             " Retry-After)",
             body=PhoneVerificationIn, response=PhoneVerificationOut, status=202,
             errors=(409, 429)),
    ApiRoute("POST", "/api/v1/phone-verifications/confirm", confirm_code,
             "Confirm a phone with the code it received", body=PhoneConfirmIn,
             response=PhoneConfirmOut, errors=(410,)),
]  # fmt: skip
