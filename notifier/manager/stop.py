"""A parent's reply of STOP (notifier/sms/stop_texts.py: STOP_WORDS) to our sender: every
paid type of every subscription on that phone is switched off, paid SMS still waiting for the
phone are cancelled and their holds released (notifier/manager/waiting.py), the consent
record says so (`sms-stop`, actor `sms-reply:<provider>`), and one free confirmation goes back
in the language of the phone's latest subscription.

Safe to run twice: a provider message id is taken once (`incoming_sms`), and a second STOP
without one (SMPP) finds nothing left to switch off, so nothing is sent again.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Literal, cast

import asyncpg

from billing.types import Conn
from gateways.sms.incoming import Incoming, IncomingSink
from notifier.manager.consent import Origin
from notifier.manager.subscriptions import switch_off
from notifier.manager.waiting import cancel_for_phone
from notifier.notification_types import NOTIFICATION_TYPES
from notifier.outbox.house import queue_house_sms
from notifier.sms.phones import InvalidPhoneNumber, normalize_mobile
from notifier.sms.stop_texts import is_stop, stopped
from notifier.sms.texts import Language
from notifier.transient import is_transient, retry_transaction

log = logging.getLogger(__name__)
Outcome = Literal["stopped", "nothing_to_stop", "not_a_stop_word", "duplicate", "invalid_phone"]


async def apply_reply(conn: Conn, message: Incoming) -> Outcome:
    """Take one message a parent sent us, inside the caller's transaction."""
    try:
        phone = normalize_mobile(message.phone)
    except InvalidPhoneNumber:
        return "invalid_phone"
    outcome: Outcome = "not_a_stop_word"
    if is_stop(message.text):
        outcome = "stopped" if await _stop(conn, phone, message) else "nothing_to_stop"
    taken = await conn.fetchval(
        "INSERT INTO incoming_sms (provider, provider_message_id, phone, body, outcome,"
        " received_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL"
        " DO NOTHING RETURNING id",
        *(message.provider, message.provider_message_id, phone, message.text[:1000], outcome),
        message.at,
    )
    if taken is None:
        raise _Duplicate  # roll back what this copy did: the first copy did it already
    return outcome


async def take_reply(conn: Conn, message: Incoming) -> Outcome:
    """`apply_reply` in a savepoint: a repeated provider message id changes nothing."""
    try:
        async with conn.transaction():
            return await apply_reply(conn, message)
    except _Duplicate:
        return "duplicate"


async def _stop(conn: Conn, phone: str, message: Incoming) -> bool:
    # Locked, so a copy of the same STOP arriving at once waits and then finds nothing active.
    rows = await conn.fetch(
        "SELECT id, parent_id, pupil_id, language FROM subscriptions WHERE phone = $1 AND active"
        " ORDER BY updated_at DESC, id FOR UPDATE",
        phone,
    )
    # First, so the history says STOP; also when every subscription was switched off before.
    await cancel_for_phone(conn, phone)
    if not rows:
        return False
    origin = Origin(f"sms-reply:{message.provider}", None, None)
    for row in rows:
        await switch_off(
            conn, row["parent_id"], row["pupil_id"], drop=NOTIFICATION_TYPES,
            action="sms-stop", partial_action="sms-stop", origin=origin, now=message.at,
        )  # fmt: skip
    language = cast(Language, rows[0]["language"])
    await queue_house_sms(
        conn, parent_id=rows[0]["parent_id"], pupil_id=None, phone=phone,
        kind="stop_confirmation", body=stopped(language), now=message.at,
    )  # fmt: skip
    return True


class _Duplicate(Exception):
    pass


def reply_sink(pool: asyncpg.Pool, retries: int = 3) -> IncomingSink:
    """For providers that push parents' messages (SMPP MO): take each in its own transaction.
    The SMSC has its acknowledgement already, so a database hiccup is retried here (safe: a
    STOP taken once finds nothing left to switch off the second time)."""

    async def take(message: Incoming) -> Outcome:
        async with pool.acquire() as conn:
            return await take_reply(conn, message)

    async def sink(message: Incoming) -> None:
        outcome = await retry_transaction(
            partial(take, message), what="parent's reply", retry_if=is_transient,
            attempts=retries + 1,
        )  # fmt: skip
        log.info("%s: a message from a parent: %s", message.provider, outcome)

    return sink
