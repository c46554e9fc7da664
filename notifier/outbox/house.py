"""Service SMS the parent does not pay for (verification codes): the house account pays.

The row is queued without a hold, so the dispatcher just sends it; the cost is posted at once
from ("house", "", currency) to ("sms_revenue", "", currency), so every SMS sent is accounted
for in the same transaction as the row that causes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from billing.ledger import Leg, account, post
from billing.money import COUNTRY_CURRENCY
from billing.tariffs import price, price_per_part
from billing.types import Conn
from gateways.sms.segments import count_parts
from notifier.outbox.queue import queue
from notifier.sms.phones import phone_country


async def queue_house_sms(
    conn: Conn,
    *,
    parent_id: str,
    pupil_id: str | None,
    phone: str,
    kind: str,
    body: str,
    now: datetime,
    subscription_id: int | None = None,
) -> int:
    """Queue `body` to `phone`, paid by the house; returns the notification id.

    The price is the tariff of the phone's country, in that country's currency, whoever's
    wallet the SMS is about. `subscription_id`: the subscription whose phone it goes to."""
    sms = count_parts(body)
    country = phone_country(phone)
    currency = COUNTRY_CURRENCY[country]
    cost = price(sms.parts, await price_per_part(conn, currency, now, country))
    notification_id: int = await conn.fetchval(
        "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind, phone,"
        " body, encoding, parts, price, currency, status, created_at, next_attempt_at)"
        " VALUES ($1, $12, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $11)"
        " RETURNING id",
        *(uuid.uuid4(), parent_id, pupil_id, kind, phone, body),
        *(sms.encoding, sms.parts, cost, currency, now, subscription_id),
    )
    await queue(conn, [notification_id], [now], now)
    house = await account(conn, "house", "", currency)
    revenue = await account(conn, "sms_revenue", "", currency)
    legs = [Leg(house, cost), Leg(revenue, -cost)]
    await post(
        conn,
        kind="house_sms",
        reference=f"notification:{notification_id}",
        currency=currency,
        legs=legs,
    )
    return notification_id
