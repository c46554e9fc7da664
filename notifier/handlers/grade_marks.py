"""A child's marks waiting for their bundle (`grade_alert_marks`), as the grade handler sees
them: a posted grade waits, a deleted one stops waiting, and a grade that changes while its
bundle is still queued reopens that bundle. Everything in the caller's transaction.
notifier/grade_bundles.py turns the waiting marks into SMS.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from billing.batch_holds import release_holds
from billing.types import Conn
from notifier.outbox.queue import cancel_waiting

TOLD = ("sending", "sent")  # the parent has (or may have) the bundle already


async def wait_for_bundle(
    conn: Conn, grade_id: str, due: Sequence[tuple[int, datetime]], now: datetime
) -> None:
    """The grade waits for each subscription's next bundle until its `due` time; a grade
    already waiting starts its grace again (the teacher is still at it)."""
    if not due:
        return
    await conn.execute(
        "INSERT INTO grade_alert_marks (subscription_id, grade_id, queued_at, due_at)"
        " SELECT s, $1, $2, d FROM unnest($3::bigint[], $4::timestamptz[]) AS x(s, d)"
        " ON CONFLICT (subscription_id, grade_id) DO UPDATE SET due_at = EXCLUDED.due_at"
        " WHERE grade_alert_marks.notification_id IS NULL",
        grade_id,
        now,
        [d[0] for d in due],
        [d[1] for d in due],
    )


async def drop_waiting(conn: Conn, grade_id: str) -> None:
    """A deleted grade is not in any bundle still to come."""
    await conn.execute(
        "DELETE FROM grade_alert_marks WHERE grade_id = $1 AND notification_id IS NULL", grade_id
    )


async def reopen_bundles(conn: Conn, grade_id: str, version: str) -> dict[int, str]:
    """Bundles holding another version of the grade that still wait in the outbox are
    cancelled (holds released) and their marks wait again, to be composed anew; returns,
    per subscription, the version of the grade its parent was told in a bundle."""
    rows = await conn.fetch(
        "SELECT m.subscription_id, m.notification_id, m.version, CASE WHEN q.lease_owner"
        " IS NOT NULL THEN 'sending' ELSE n.status END AS status FROM grade_alert_marks m"
        " JOIN notifications n ON n.id = m.notification_id"
        " LEFT JOIN outbox_queue q ON q.notification_id = n.id"
        " WHERE m.grade_id = $1",
        grade_id,
    )
    stale = [
        r["notification_id"] for r in rows if r["status"] == "queued" and r["version"] != version
    ]
    cancelled = await cancel_waiting(
        conn, stale, "replaced: a grade in it changed before it was sent"
    )
    await release_holds(conn, [(r["hold_id"], "grade alert withdrawn") for r in cancelled])
    await conn.execute(
        "UPDATE grade_alert_marks SET notification_id = NULL, version = NULL, told_on = NULL"
        " WHERE notification_id = ANY ($1::bigint[])",
        [r["id"] for r in cancelled],
    )
    # One a dispatcher took meanwhile could not be cancelled: it is being sent.
    sending = set(stale) - {r["id"] for r in cancelled}
    return {
        r["subscription_id"]: r["version"]
        for r in rows
        if r["status"] in TOLD or r["notification_id"] in sending
    }
