"""Bundled instant grade alerts: a child's waiting marks (`grade_alert_marks`, written by
notifier/handlers/grade_marks.py) go out as one SMS once every one of them has waited out
the grace period (or the oldest has waited twice as long: a teacher who keeps posting does
not hold the parent's news back for ever), in the school's sending window.

A parent chooses how many such SMS a child may bring a day (`grade_alerts_per_day`, the
child's local day); marks due beyond it wait for the next day's first bundle.

Exactly once: the marks are locked (SKIP LOCKED: replicas share the work), the bundle is
priced, held and queued through `enqueue_paid` and the marks point at it, all in the
caller's transaction: a run killed before its commit leaves the marks waiting and nothing
queued; the dedupe key ('grades:' and the hash of the grades' versions) backs it up.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

import asyncpg

from billing.types import Conn
from notifier.grade_limit import local_day, sent_on, wait_for_tomorrow
from notifier.handlers import HandlerContext
from notifier.handlers.grade_alerts import version_key
from notifier.outbox.enqueue import PendingSms, enqueue_paid
from notifier.outbox.lowbalance import check_low_balances
from notifier.outbox.window import not_before_by_subscription
from notifier.sms.grade_bundle import grade_bundle
from notifier.sms.grade_texts import GradeFacts
from notifier.sms.texts import Language

_NAMESPACE = uuid.UUID("6f1d2a8e-3f4b-5c6d-8e9f-0a1b2c3d4e5f")

_WAITING = """
SELECT m.subscription_id, m.grade_id, m.due_at, g.subject, g.assessment, g.period, g.mark,
       g.points, g.max_points, g.lesson_date, g.deleted
  FROM grade_alert_marks m JOIN grades g ON g.id = m.grade_id
 WHERE m.notification_id IS NULL AND m.subscription_id IN (
       SELECT subscription_id FROM grade_alert_marks WHERE notification_id IS NULL AND due_at <= $1)
 ORDER BY m.subscription_id, m.queued_at, m.grade_id
   FOR UPDATE OF m SKIP LOCKED
"""

_SUBSCRIPTIONS = """
SELECT s.id, s.parent_id, s.pupil_id, p.first_name, s.phone, s.language, s.country, s.latin,
       s.grade_alerts_per_day, p.time_zone,
       p.active AND s.active AND s.phone_verified_at IS NOT NULL
           AND 'grade_instant' = ANY (s.types) AND EXISTS (SELECT 1 FROM parent_links l
               WHERE l.parent_id = s.parent_id AND l.pupil_id = p.id) AS wanted
  FROM subscriptions s JOIN pupils p ON p.id = s.pupil_id WHERE s.id = ANY ($1::bigint[])
"""


@dataclass
class _Bundle:
    marks: list[tuple[str, GradeFacts]] = field(default_factory=list)  # (grade id, facts)
    due: list[datetime] = field(default_factory=list)


async def send_due_bundles(conn: Conn, ctx: HandlerContext) -> int:
    """Queue every bundle that is due (caller's transaction); returns how many were queued."""
    now = ctx.clock.now()
    bundles = _due(await conn.fetch(_WAITING, now), now, ctx.alerts.grade_grace)
    if not bundles:
        return 0
    subs = {r["id"]: r for r in await conn.fetch(_SUBSCRIPTIONS, list(bundles))}
    gone = [s for s in bundles if s not in subs or not subs[s]["wanted"]]
    await _forget(conn, gone)  # unsubscribed meanwhile: nothing to tell
    days = {s: local_day(subs[s]["time_zone"], now) for s in bundles if s not in gone}
    sent = await sent_on(conn, days)
    over = [s for s in days if sent.get(s, 0) >= subs[s]["grade_alerts_per_day"]]
    await wait_for_tomorrow(conn, {s: subs[s]["time_zone"] for s in over}, now, ctx.send_window)
    go = [s for s in days if s not in over]
    if not go:
        return 0
    opens: dict[int, datetime | None] = {}
    if ctx.send_window is not None:  # marks fall due inside it, but the oldest-waited rule not
        opens = await not_before_by_subscription(conn, go, now, ctx.send_window)
    pending = [_sms(subs[s], bundles[s], opens.get(s) or now, ctx) for s in go]
    result = await enqueue_paid(conn, pending, now=now, hold_ttl=ctx.hold_ttl)
    await _told(conn, pending, {s: bundles[s] for s in go}, days)
    if ctx.low_balance is not None:
        await check_low_balances(conn, sorted(result.short_of_money), now, ctx.low_balance)
    return result.queued


def _due(rows: list[asyncpg.Record], now: datetime, grace: timedelta) -> dict[int, _Bundle]:
    """The waiting marks per subscription, of those whose bundle is due."""
    waiting: dict[int, _Bundle] = defaultdict(_Bundle)
    for r in rows:
        if r["deleted"] or r["subject"] is None:
            continue  # deleted meanwhile: the handler drops it, this is belt and braces
        facts = GradeFacts(
            r["subject"], r["assessment"], r["period"], r["mark"], r["points"],
            r["max_points"], r["lesson_date"],
        )  # fmt: skip
        waiting[r["subscription_id"]].marks.append((r["grade_id"], facts))
        waiting[r["subscription_id"]].due.append(r["due_at"])
    return {s: b for s, b in waiting.items() if max(b.due) <= now or min(b.due) <= now - grace}


async def _forget(conn: Conn, subs: list[int]) -> None:
    await conn.execute(
        "DELETE FROM grade_alert_marks WHERE subscription_id = ANY ($1::bigint[])"
        " AND notification_id IS NULL",
        subs,
    )


def _key(bundle: _Bundle) -> str:
    versions = "\x1e".join(sorted(version_key(g, f) for g, f in bundle.marks))
    return "grades:" + hashlib.sha256(versions.encode()).hexdigest()[:24]


def _sms(sub: asyncpg.Record, bundle: _Bundle, at: datetime, ctx: HandlerContext) -> PendingSms:
    key = _key(bundle)
    body = grade_bundle(
        cast(Language, sub["language"]), sub["first_name"], [f for _, f in bundle.marks],
        latin=sub["latin"], max_parts=ctx.max_parts,
    )  # fmt: skip
    return PendingSms(
        event_id=uuid.uuid5(_NAMESPACE, key), kind="grade_instant", dedupe_key=key,
        subscription_id=sub["id"], parent_id=sub["parent_id"], pupil_id=sub["pupil_id"],
        phone=sub["phone"], country=sub["country"], body=body, not_before=at,
    )  # fmt: skip


async def _told(
    conn: Conn, pending: list[PendingSms], bundles: dict[int, _Bundle], days: dict[int, date]
) -> None:
    """Each mark points at the SMS that carries it (or was skipped for balance)."""
    subs, grades, versions, keys, told_on = [], [], [], [], []
    for p in pending:
        for grade_id, facts in bundles[p.subscription_id].marks:
            subs.append(p.subscription_id)
            grades.append(grade_id)
            versions.append(version_key(grade_id, facts))
            keys.append(p.dedupe_key)
            told_on.append(days[p.subscription_id])
    await conn.execute(
        "UPDATE grade_alert_marks m SET notification_id = n.id, version = x.v, told_on = x.d"
        " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::date[])"
        " AS x(s, g, v, k, d) JOIN notification_keys n ON n.subscription_id = x.s"
        " AND n.dedupe_key = x.k WHERE m.subscription_id = x.s AND m.grade_id = x.g",
        subs, grades, versions, keys, told_on,
    )  # fmt: skip
