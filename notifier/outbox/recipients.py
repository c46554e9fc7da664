"""Who should hear about an event: active, verified subscriptions of linked parents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billing.types import Conn
from notifier.notification_types import NotificationType


@dataclass(frozen=True)
class Recipient:
    subscription_id: int
    parent_id: str
    pupil_id: str
    child_name: str
    phone: str
    language: str
    country: str  # KZ | KG, from the phone: decides the tariff


async def class_subscribers(
    conn: Conn,
    class_id: str,
    notification_type: NotificationType,
    pupil_ids: Sequence[str] | None = None,
) -> list[Recipient]:
    """Subscribers of `notification_type` for pupils of a class (or a subset of it)."""
    [found] = await subscribers_of_many(conn, [(class_id, pupil_ids)], notification_type)
    return found


async def subscribers_of_many(
    conn: Conn,
    asks: Sequence[tuple[str, Sequence[str] | None]],
    notification_type: NotificationType,
) -> list[list[Recipient]]:
    """Active, verified subscribers of `notification_type` for each (class, its pupils or
    None for the whole class) of `asks`, in one query; the answers in the same order."""
    index: list[int] = []
    classes: list[str] = []
    pupils: list[str | None] = []
    for i, (class_id, pupil_ids) in enumerate(asks):
        for pupil in [None] if pupil_ids is None else dict.fromkeys(pupil_ids):
            index.append(i)
            classes.append(class_id)
            pupils.append(pupil)
    rows = await conn.fetch(
        "SELECT q.i, s.id, s.parent_id, s.pupil_id, p.first_name, s.phone, s.language, s.country"
        " FROM unnest($1::int[], $2::text[], $3::text[]) AS q(i, class_id, pupil_id)"
        " JOIN pupils p ON p.class_id = q.class_id AND (q.pupil_id IS NULL OR p.id = q.pupil_id)"
        " JOIN parent_links l ON l.pupil_id = p.id"
        " JOIN subscriptions s ON s.parent_id = l.parent_id AND s.pupil_id = p.id"
        " WHERE p.active AND s.active AND s.phone_verified_at IS NOT NULL AND $4 = ANY (s.types)"
        " ORDER BY q.i, s.id",
        index, classes, pupils, notification_type,
    )  # fmt: skip
    found: list[list[Recipient]] = [[] for _ in asks]
    for row in rows:
        found[row["i"]].append(Recipient(*list(row.values())[1:]))
    return found
