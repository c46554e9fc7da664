"""A parent's reply of STOP (notifier/sms/stop_texts.py: STOP_WORDS) to our sender: every
paid type of every subscription on that phone is switched off, paid SMS still waiting for them
are cancelled and their holds released, the consent record says so (`sms-stop`, actor
`sms-reply:<provider>`), and one free confirmation goes back in the language of the phone's
latest subscription.

Safe to run twice: a provider message id is taken once (`incoming_sms`), and a second STOP
without one (SMPP) finds nothing left to switch off, so nothing is sent again.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Literal, cast

import asyncpg

from billing.batch_holds import release_holds
from billing.types import Conn
from gateways.sms.incoming import Incoming, IncomingSink
from notifier.manager.consent import Origin
from notifier.manager.subscriptions import switch_off
from notifier.notification_types import NOTIFICATION_TYPES
from notifier.outbox.house import queue_house_sms
from notifier.outbox.queue import cancel_waiting
from notifier.sms.phones import InvalidPhoneNumber, normalize_mobile
from notifier.sms.stop_texts import is_stop, stopped
from notifier.sms.texts import Language
from notifier.transient import is_transient, retry_transaction

log = logging.getLogger(__name__)
STOPPED_ERROR = "stopped: the parent replied STOP before it was sent"
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
    if not rows:
        return False
    origin = Origin(f"sms-reply:{message.provider}", None, None)
    for row in rows:
        await switch_off(
            conn, row["parent_id"], row["pupil_id"], drop=NOTIFICATION_TYPES,
            action="sms-stop", partial_action="sms-stop", origin=origin, now=message.at,
        )  # fmt: skip
    await _cancel_waiting(conn, [r["id"] for r in rows])
    language = cast(Language, rows[0]["language"])
    await queue_house_sms(
        conn, parent_id=rows[0]["parent_id"], pupil_id=None, phone=phone,
        kind="stop_confirmation", body=stopped(language), now=message.at,
    )  # fmt: skip
    return True


async def _cancel_waiting(conn: Conn, subscription_ids: list[int]) -> None:
    """Paid SMS to these subscriptions still waiting (for the window, a grace period, a retry)
    are not sent after a STOP, and their holds are released: nothing is charged. One that may
    be at the operator already (in doubt) is left to finish."""
    waiting = await conn.fetch(
        "SELECT id FROM notifications WHERE subscription_id = ANY ($1::bigint[])"
        " AND status = 'queued' AND hold_id IS NOT NULL",
        subscription_ids,
    )
    ids = [r["id"] for r in waiting]
    cancelled = await cancel_waiting(conn, ids, STOPPED_ERROR, in_doubt_too=False)
    await release_holds(conn, [(r["hold_id"], "stopped by the parent") for r in cancelled])


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
