"""Announcements (diary.announcements): fan out to the subscribed parents of the audience,
each in the language of their subscription when the school sent a translation, within the SMS
budget (a longer announcement is refused with the count, never cut), one SMS per parent.

Redelivery and republishing send nothing twice: the announcement is recorded once, and the
dedupe key is the announcement id.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from billing.types import Conn
from gateways.sms.segments import MULTI_LIMIT, SINGLE_LIMIT, Encoding, count_parts
from notifier.announcements.audience import Listener, listeners
from notifier.announcements.night import after_night
from notifier.errors import RejectedEvent
from notifier.handlers import AlertPolicy, HandlerContext
from notifier.outbox.enqueue import PendingSms, sms_to
from notifier.sms.texts import LANGUAGES, announcement
from schemas import AnnouncementPublished

_RECORD = (
    "INSERT INTO announcements (id, event_id, school_id, author_id, author_role, scope, title,"
    " urgent, targeted, subscribed, published_at, applied_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    " ON CONFLICT (id) DO NOTHING RETURNING true"
)


async def apply_announcement(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
    if not isinstance(event, AnnouncementPublished):
        return []
    bodies = rendered(event, ctx.alerts.announcement_max_parts)
    targeted, reached = await listeners(conn, event)
    now = ctx.clock.now()
    first = await conn.fetchval(
        _RECORD,
        *(event.announcement_id, event.event_id, event.school_id, event.author_id),
        *(event.author_role, event.audience.scope, event.title, bool(event.urgent)),
        *(targeted, len({r.parent_id for r in reached}), event.occurred_at, now),
    )
    if not first:
        return []  # the same announcement again (a new event id): sent once already
    return [_sms(event, r, bodies, now, ctx.alerts) for r in reached]


def rendered(event: AnnouncementPublished, max_parts: int) -> dict[str, str]:
    """The SMS text per language; RejectedEvent (dead-lettered with the counts, for the
    diary to shorten and resend) when any of them is over budget."""
    original = announcement(event.title, event.text)
    translations = event.translations or {}
    bodies: dict[str, str] = {
        lang: announcement(t.title, t.text) if (t := translations.get(lang)) else original
        for lang in LANGUAGES
    }
    variants: dict[str, str] = {"as sent": original, **{k: bodies[k] for k in translations}}
    for lang, body in variants.items():
        parts = count_parts(body)
        if parts.parts > max_parts:
            raise RejectedEvent(
                f"announcement {event.announcement_id} ({lang}) needs {parts.parts} SMS parts"
                f" ({parts.units} {parts.encoding} characters with the title); the limit is"
                f" {max_parts} parts ({_capacity(parts.encoding, max_parts)} characters):"
                " shorten it and publish again"
            )
    return bodies


def _capacity(encoding: Encoding, parts: int) -> int:
    return SINGLE_LIMIT[encoding] if parts == 1 else MULTI_LIMIT[encoding] * parts


def _sms(
    event: AnnouncementPublished, r: Listener, bodies: dict[str, str], now: datetime,
    policy: AlertPolicy,
) -> PendingSms:  # fmt: skip
    """Urgent: out of the sending window, at once, but not in the pupil's local night.
    Otherwise the batch's queueing holds it for the school's window (notifier/applying.py)."""
    night = policy.night_start_hour, policy.night_end_hour
    return sms_to(
        r,
        event_id=event.event_id,
        kind="announcement",
        dedupe_key=f"announcement:{event.announcement_id}",
        body=bodies[r.language],
        not_before=after_night(now, r.time_zone, *night) if event.urgent else None,
        in_window=not event.urgent,
    )
