"""Instant grade alerts (`grade_instant`): a posted grade waits for its child's bundle
(`grade_alert_marks`; notifier/grade_bundles.py sends one SMS per child once the marks have
waited out the grace period), so a teacher's quick fix is what the parent reads and a quick
deletion drops the mark. A grade changed or deleted after its bundle went out gets one short
correction (unless corrections are turned off); one changed while its bundle still waits in
the outbox reopens the bundle (cancelled, hold released) to be composed again.

Called from notifier/handlers/grades.py once the grade is stored. Corrections' dedupe keys
are 'grade:<grade id>:<version>', so a redelivered or republished version is queued once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from billing.batch_holds import release_holds
from billing.types import Conn
from notifier.handlers import HandlerContext
from notifier.handlers.grade_marks import drop_waiting, reopen_bundles, wait_for_bundle
from notifier.outbox.enqueue import PendingSms, sms_to
from notifier.outbox.queue import cancel_waiting
from notifier.outbox.recipients import Recipient
from notifier.outbox.window import not_before_by_subscription
from notifier.sms.grade_texts import GradeFacts, GradeNews, grade_alert
from schemas import GradeChanged, GradeDeleted, GradePosted

TOLD = ("sending", "sent")  # the parent has (or may have) the alert already


@dataclass(frozen=True)
class _Stored:
    facts: GradeFacts
    pupil_id: str
    deleted: bool
    current: bool  # this event is the grade's latest version


async def grade_alerts(conn: Conn, event: BaseModel, ctx: HandlerContext) -> list[PendingSms]:
    if not isinstance(event, GradePosted | GradeChanged | GradeDeleted):
        return []
    stored = await _stored(conn, event)
    if stored is None or not stored.current or stored.deleted != isinstance(event, GradeDeleted):
        return []  # an older version than the one we have, or a tombstone: nothing to say
    key = _key(event, stored.facts)
    # Withdrawn even when nobody wants alerts any more (a parent unsubscribed meanwhile).
    corrected = await _withdraw_pending(conn, event.grade_id, key)
    bundled = await reopen_bundles(conn, event.grade_id, key)
    if isinstance(event, GradeDeleted):
        await drop_waiting(conn, event.grade_id)
    recipients = await _subscribers(conn, stored.pupil_id)
    due = await _due(conn, recipients, ctx)
    sms, waiting = [], []
    for r in recipients:
        sub = r.subscription_id
        if sub not in corrected and bundled.get(sub) == key:
            continue  # republished: the parent was told this very version
        news = _news(event, sub in corrected or sub in bundled, ctx.alerts.grade_corrections)
        if news == "grade_posted":
            waiting.append((sub, due[sub]))
        elif news is not None:
            sms.append(_sms(event, r, news, key, stored.facts, due[sub]))
    await wait_for_bundle(conn, event.grade_id, waiting, ctx.clock.now())
    return sms


async def _due(conn: Conn, recipients: list[Recipient], ctx: HandlerContext) -> dict[int, datetime]:
    """When each alert may go: after the grace period, and inside the school's sending window
    (a grade posted in the evening reaches the parent in the morning)."""
    after_grace = ctx.clock.now() + ctx.alerts.grade_grace
    due = {r.subscription_id: after_grace for r in recipients}
    if ctx.send_window is None or not recipients:
        return due
    opens = await not_before_by_subscription(conn, due, after_grace, ctx.send_window)
    return {sub: opens.get(sub) or at for sub, at in due.items()}


def _news(event: BaseModel, told: bool, corrections: bool) -> GradeNews | None:
    if not told:  # nothing sent yet: the alert (a deletion then has nothing to tell)
        return None if isinstance(event, GradeDeleted) else "grade_posted"
    if not corrections:
        return None
    return "grade_deleted" if isinstance(event, GradeDeleted) else "grade_changed"


def _key(event: GradePosted | GradeChanged | GradeDeleted, g: GradeFacts) -> str:
    if isinstance(event, GradeDeleted):
        return f"grade:{event.grade_id}:deleted"
    return version_key(event.grade_id, g)


def version_key(grade_id: str, g: GradeFacts) -> str:
    """What identifies a grade's version: its id and what an alert says about it."""
    facts = f"{g.subject}\x1f{g.assessment}\x1f{g.period}\x1f{g.mark}\x1f{g.points}"
    facts += f"\x1f{g.max_points}\x1f{g.day.isoformat()}"
    return f"grade:{grade_id}:{hashlib.sha256(facts.encode()).hexdigest()[:16]}"


async def _stored(conn: Conn, event: GradePosted | GradeChanged | GradeDeleted) -> _Stored | None:
    row = await conn.fetchrow(
        "SELECT pupil_id, subject, assessment, period, mark, points, max_points, lesson_date,"
        " deleted, as_of FROM grades WHERE id = $1",
        event.grade_id,
    )
    if row is None or row["subject"] is None:
        return None
    facts = GradeFacts(
        row["subject"], row["assessment"], row["period"], row["mark"], row["points"],
        row["max_points"], row["lesson_date"],
    )  # fmt: skip
    return _Stored(facts, row["pupil_id"], row["deleted"], row["as_of"] == event.occurred_at)


_SUBSCRIBERS = """
SELECT s.id, s.parent_id, s.pupil_id, p.first_name, s.phone, s.language, s.country
  FROM pupils p JOIN parent_links l ON l.pupil_id = p.id
  JOIN subscriptions s ON s.parent_id = l.parent_id AND s.pupil_id = p.id
 WHERE p.id = $1 AND p.active AND s.active AND s.phone_verified_at IS NOT NULL
   AND 'grade_instant' = ANY (s.types)
 ORDER BY s.id
"""


async def _subscribers(conn: Conn, pupil_id: str) -> list[Recipient]:
    """The pupil's parents who want each grade at once (whatever class the pupil is in now)."""
    return [Recipient(*r.values()) for r in await conn.fetch(_SUBSCRIBERS, pupil_id)]


async def _withdraw_pending(conn: Conn, grade_id: str, key: str) -> set[int]:
    """Cancel this grade's alerts still waiting (other versions), releasing their holds, in
    this transaction; returns the subscriptions whose parent was told about the grade."""
    rows = await conn.fetch(
        "SELECT n.id, n.subscription_id, n.dedupe_key, CASE WHEN q.lease_owner IS NOT NULL"
        " THEN 'sending' ELSE n.status END AS status FROM notifications n"
        " LEFT JOIN outbox_queue q ON q.notification_id = n.id"
        " WHERE n.dedupe_key LIKE 'grade:%' AND n.dedupe_key COLLATE \"C\" >= $1"
        " AND n.dedupe_key COLLATE \"C\" < $2 AND n.status IN ('queued', 'sent')",
        f"grade:{grade_id}:",
        f"grade:{grade_id};",  # ';' follows ':' in byte order: every key of this grade
    )
    # ...and of grades whose id extends this one ('g:1' vs 'g:1:2'): versions have no ':'.
    rows = [r for r in rows if ":" not in r["dedupe_key"][len(grade_id) + 7 :]]
    stale = [r["id"] for r in rows if r["status"] == "queued" and r["dedupe_key"] != key]
    cancelled = await cancel_waiting(
        conn, stale, "replaced or withdrawn: the grade changed before the alert was sent"
    )
    holds = [(r["hold_id"], "grade alert withdrawn") for r in cancelled if r["hold_id"]]
    await release_holds(conn, holds)
    # One a dispatcher took meanwhile could not be cancelled: it is being sent.
    sending = set(stale) - {r["id"] for r in cancelled}
    return {r["subscription_id"] for r in rows if r["status"] in TOLD or r["id"] in sending}


def _sms(
    event: GradePosted | GradeChanged | GradeDeleted, r: Recipient, news: GradeNews, key: str,
    facts: GradeFacts, due: datetime,
) -> PendingSms:  # fmt: skip
    return sms_to(
        r,
        event_id=event.event_id,
        kind="grade_instant" if news == "grade_posted" else "grade_correction",
        dedupe_key=key,
        body=grade_alert(r.language, news, r.child_name, facts),  # type: ignore[arg-type]
        not_before=due,
    )
