"""Queueing paid SMS, set-based: count parts, price, hold the money and write the outbox rows
for a whole batch in a constant number of statements, in the caller's transaction, so every
hold commits with the row that caused it.

A recipient without a wallet, or without enough money left in this batch, is recorded as
`skipped_insufficient_funds`; one whose SMS would take this month's spend past the monthly
cap they chose is recorded as `skipped_cap` (checked under the same wallet lock as the hold:
notifier/outbox/caps.py) and told once a month (notifier/outbox/cap_notice.py). Either way:
not sent, not charged, never an error for the others. (The notice adds a few statements,
once a month per capped parent.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from billing.batch_holds import (
    NewHold,
    lock_wallets,
    new_hold_ids,
    read_wallets,
    reserve_holds,
    write_holds,
)
from billing.ledger import Balance
from billing.money import format_amount
from billing.tariffs import Tariffs, load_tariffs
from billing.types import Conn
from gateways.sms.segments import SmsParts, count_parts
from notifier.outbox.cap_notice import tell_cap_reached
from notifier.outbox.caps import Cap, caps_of
from notifier.outbox.queue import queue


@dataclass(frozen=True)
class PendingSms:
    """One SMS a handler wants sent, before it is priced."""

    event_id: UUID  # the cause (event, digest run, announcement...)
    kind: str  # homework, weekly_digest, announcement, grade_instant...
    dedupe_key: str | None  # at most one SMS per (subscription_id, dedupe_key), ever
    subscription_id: int
    parent_id: str
    pupil_id: str | None
    phone: str  # E.164
    country: str  # KZ | KG, the tariff's destination
    body: str
    not_before: datetime | None = None  # not sent before (set by the caller, or the window)
    in_window: bool = True  # False: may go out at any hour (urgent announcements)


class Addressee(Protocol):
    """Whoever a handler found to notify: a subscription and where it goes."""

    @property
    def subscription_id(self) -> int: ...
    @property
    def parent_id(self) -> str: ...
    @property
    def pupil_id(self) -> str | None: ...
    @property
    def phone(self) -> str: ...
    @property
    def country(self) -> str: ...


def sms_to(
    who: Addressee, *, event_id: UUID, kind: str, dedupe_key: str | None, body: str,
    not_before: datetime | None = None, in_window: bool = True,
) -> PendingSms:  # fmt: skip
    """The PendingSms for one addressee: its subscription, parent, pupil, phone, country."""
    return PendingSms(
        event_id=event_id, kind=kind, dedupe_key=dedupe_key,
        subscription_id=who.subscription_id, parent_id=who.parent_id, pupil_id=who.pupil_id,
        phone=who.phone, country=who.country, body=body, not_before=not_before,
        in_window=in_window,
    )  # fmt: skip


@dataclass
class EnqueueResult:
    queued: int = 0
    skipped: int = 0
    duplicates: int = 0
    notification_ids: list[int] = field(default_factory=list)
    short_of_money: set[str] = field(default_factory=set)  # parents skipped for balance
    capped: set[str] = field(default_factory=set)  # parents skipped for their monthly cap


@dataclass(frozen=True)
class _Row:
    sms: PendingSms
    parts: SmsParts
    price: int
    currency: str | None
    skipped_why: str | None  # None: affordable, gets a hold
    status: str = "queued"  # else skipped_insufficient_funds | skipped_cap
    hold_id: int | None = None
    id: int = 0


async def enqueue_paid(
    conn: Conn, items: Sequence[PendingSms], *, now: datetime, hold_ttl: timedelta
) -> EnqueueResult:
    """Price, hold and queue every item; see the module docstring.

    The wallets are locked last (README, "Lock order"): the rows are priced first from the
    wallets as they are, and the outbox rows, queue rows and holds written; then the batch is
    priced again under the wallets' lock, the few rows whose fate changed meanwhile (money
    that came or went, a cap) are corrected, and the holds are reserved on their wallets in
    one UPDATE. A settle for these parents waits for that UPDATE, not for the rows."""
    result = EnqueueResult()
    items = await _without_known_duplicates(conn, items, result)
    if not items:
        return result
    tariffs = await load_tariffs(conn, now)
    ids, hold_ids = await _ids(conn, len(items))
    hold_of = dict(zip(ids, hold_ids, strict=True))
    seen = await read_wallets(conn, (i.parent_id for i in items))
    parts = [count_parts(i.body) for i in items]  # counted once, priced twice
    priced = _price(items, parts, seen, tariffs, await caps_of(conn, seen, now))
    guess = _name(priced, hold_of, ids)
    inserted_ids = await _insert(conn, guess, now)
    guessed = [r for r in guess if r.id in inserted_ids]
    held = [r for r in guessed if r.hold_id is not None]
    await _queue(conn, held, now)
    expiry = _expiry(held, now, hold_ttl)
    await write_holds(conn, _holds(held, seen), expiry, created_at=now)
    wallets = await lock_wallets(conn, (r.sms.parent_id for r in guessed))
    caps = await caps_of(conn, wallets, now, excluding=[r.hold_id for r in held if r.hold_id])
    final = [r.id for r in guessed]
    repriced = _price([r.sms for r in guessed], [r.parts for r in guessed], wallets, tariffs, caps)
    inserted = _name(repriced, hold_of, final)
    await _correct(conn, guessed, inserted, wallets, now, hold_ttl)
    queued = [r for r in inserted if r.hold_id is not None]
    await reserve_holds(conn, _holds(queued, wallets))
    result.duplicates += len(guess) - len(inserted)
    result.queued = len(queued)
    result.skipped = len(inserted) - len(queued)
    result.notification_ids = [r.id for r in queued]
    result.short_of_money = {
        r.sms.parent_id for r in inserted if r.status == "skipped_insufficient_funds"
    }
    result.capped = {r.sms.parent_id for r in inserted if r.status == "skipped_cap"}
    await tell_cap_reached(conn, {p: caps[p] for p in result.capped}, now)
    return result


async def _queue(conn: Conn, rows: Sequence[_Row], now: datetime) -> None:
    await queue(conn, [r.id for r in rows], [r.sms.not_before or now for r in rows])


def _holds(rows: Sequence[_Row], wallets: dict[str, Balance]) -> list[NewHold]:
    return [
        NewHold(r.hold_id, wallets[r.sms.parent_id].account_id, r.price, r.currency or "",
                f"notification:{r.id}")
        for r in rows if r.hold_id is not None
    ]  # fmt: skip


# Rows this transaction wrote: created_at is its now(), their one month's partition.
_CORRECT = """
UPDATE notifications n SET status = d.status, last_error = d.why, price = d.price,
       currency = d.currency, hold_id = d.hold_id
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[])
       AS d(id, status, why, price, currency, hold_id)
 WHERE n.id = d.id AND n.created_at = now()
"""


async def _correct(
    conn: Conn, guessed: Sequence[_Row], final: Sequence[_Row], wallets: dict[str, Balance],
    now: datetime, ttl: timedelta,
) -> None:  # fmt: skip
    """Rewrite the rows the second pricing decided otherwise (rare): the outbox row, its
    queue row and its hold, none of which anyone else can see yet."""
    pairs = [(g, f) for g, f in zip(guessed, final, strict=True) if g != f]
    if not pairs:
        return
    changed = [f for _, f in pairs]
    await conn.execute(
        _CORRECT, [r.id for r in changed], [r.status for r in changed],
        [r.skipped_why for r in changed], [r.price for r in changed],
        [r.currency for r in changed], [r.hold_id for r in changed],
    )  # fmt: skip
    await conn.execute(
        "DELETE FROM outbox_queue WHERE notification_id = ANY ($1::bigint[])",
        [g.id for g, _ in pairs if g.hold_id is not None],
    )
    await conn.execute(
        "DELETE FROM ledger_holds WHERE id = ANY ($1::bigint[])",
        [g.hold_id for g, _ in pairs if g.hold_id is not None],
    )
    now_held = [r for r in changed if r.hold_id is not None]
    await _queue(conn, now_held, now)
    await write_holds(conn, _holds(now_held, wallets), _expiry(now_held, now, ttl),
                      created_at=now)  # fmt: skip


async def _ids(conn: Conn, count: int) -> tuple[list[int], list[int]]:
    """Ids from the sequences up front, so the outbox row names its hold when it is written
    and nothing is rewritten afterwards (a hold id for every row: skipped rows leave a gap)."""
    ids = await conn.fetch(
        "SELECT nextval('notifications_id_seq') FROM generate_series(1, $1)", count
    )
    return [i[0] for i in ids], await new_hold_ids(conn, count)


def _name(rows: list[_Row], hold_of: dict[int, int], ids: list[int]) -> list[_Row]:
    """Each row with its outbox id, and its hold's if it is held (not `replace`: that looks
    the fields up again for every row, and a Friday has a million)."""
    return [
        _Row(r.sms, r.parts, r.price, r.currency, r.skipped_why, r.status,
             None if r.skipped_why else hold_of[i], i)
        for r, i in zip(rows, ids, strict=True)
    ]  # fmt: skip


def _price(
    items: Sequence[PendingSms], parts: Sequence[SmsParts], wallets: dict[str, Balance],
    tariffs: Tariffs, caps: dict[str, Cap],
) -> list[_Row]:  # fmt: skip
    """Each item priced (`parts`: each one's, in order); what the cap or the wallet cannot
    cover, spent in order, is skipped."""
    left = {owner: w.available for owner, w in wallets.items()}
    cap_left = {owner: c.left for owner, c in caps.items()}
    out: list[_Row] = []
    for item, sms_parts in zip(items, parts, strict=True):
        wallet = wallets.get(item.parent_id)
        if wallet is None:
            out.append(_Row(item, sms_parts, 0, None, "no wallet: never topped up", _SHORT))
            continue
        per_part = tariffs.per_part(wallet.currency, item.country)
        cost = sms_parts.parts * per_part if per_part is not None else 0
        status = _SHORT
        if per_part is None:
            why: str | None = f"no SMS tariff in force for {wallet.currency} ({item.country})"
        elif item.parent_id in cap_left and cost > cap_left[item.parent_id]:
            why, status = _over_cap(caps[item.parent_id], cap_left[item.parent_id], cost), _CAP
        elif cost > left[item.parent_id]:
            have = format_amount(left[item.parent_id], wallet.currency)
            why = f"balance {have} is short of {format_amount(cost, wallet.currency)}"
        else:
            why, status = None, "queued"
            left[item.parent_id] -= cost
            if item.parent_id in cap_left:
                cap_left[item.parent_id] -= cost
        out.append(_Row(item, sms_parts, cost, wallet.currency, why, status))
    return out


_SHORT, _CAP = "skipped_insufficient_funds", "skipped_cap"


def _over_cap(cap: Cap, left: int, cost: int) -> str:
    def amount(minor: int) -> str:
        return format_amount(minor, cap.currency)

    spent = cap.spent + (cap.left - left)  # before this batch, plus what it took so far
    return (f"monthly cap {amount(cap.cap)} reached: {amount(spent)} spent this month,"
            f" this SMS costs {amount(cost)}")  # fmt: skip


async def _without_known_duplicates(
    conn: Conn, items: Sequence[PendingSms], result: EnqueueResult
) -> list[PendingSms]:
    """Drop items whose (subscription, dedupe_key) already has an SMS, before any money is
    counted for them (the unique index stays the guarantee)."""
    keyed = [(i.subscription_id, i.dedupe_key) for i in items if i.dedupe_key is not None]
    if not keyed:
        return list(items)
    rows = await conn.fetch(
        "SELECT subscription_id, dedupe_key FROM notification_keys WHERE (subscription_id,"
        " dedupe_key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))",
        [k[0] for k in keyed],
        [k[1] for k in keyed],
    )
    seen = {(r[0], r[1]) for r in rows}
    kept: list[PendingSms] = []
    for item in items:
        key = (item.subscription_id, item.dedupe_key)
        if item.dedupe_key is not None and key in seen:
            result.duplicates += 1
            continue
        if item.dedupe_key is not None:
            seen.add(key)  # a second one in the same batch is a duplicate too
        kept.append(item)
    return kept


# The outbox is partitioned by month, so its two unique keys live in notification_keys
# (migration 0022): a row is written to the outbox only if its keys were new, in one statement.
_INSERT = """
WITH batch AS (
    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::text[], $10::int[],
                         $11::bigint[], $12::text[], $13::bigint[], $14::text[], $15::text[],
                         $16::text[], $17::timestamptz[])
        AS b(id, event_id, subscription_id, parent_id, pupil_id, kind, phone, body, encoding,
             parts, price, currency, hold_id, status, last_error, dedupe_key, next_attempt_at)
), keyed AS (
    INSERT INTO notification_keys (id, created_at, event_id, subscription_id, kind, dedupe_key)
    SELECT id, now(), event_id, subscription_id, kind, dedupe_key FROM batch
    ON CONFLICT DO NOTHING
    RETURNING id
)
INSERT INTO notifications (id, event_id, subscription_id, parent_id, pupil_id, kind, phone, body,
    encoding, parts, price, currency, hold_id, status, last_error, dedupe_key, next_attempt_at)
SELECT batch.* FROM batch JOIN keyed USING (id)
RETURNING id
"""


async def _insert(conn: Conn, rows: Sequence[_Row], now: datetime) -> set[int]:
    """Insert the rows; returns the ids inserted (a row already there, e.g. from a redelivered
    cause, inserts nothing)."""
    cols: list[list[object]] = [[] for _ in range(17)]
    for r in rows:
        s = r.sms
        values = (r.id, s.event_id, s.subscription_id, s.parent_id, s.pupil_id, s.kind, s.phone,
                  s.body, r.parts.encoding, r.parts.parts, r.price, r.currency, r.hold_id,
                  r.status, r.skipped_why, s.dedupe_key, s.not_before or now)  # fmt: skip
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    return {r["id"] for r in await conn.fetch(_INSERT, *cols)}


def _expiry(rows: Sequence[_Row], now: datetime, ttl: timedelta) -> datetime:
    # A hold lives through the wait for the sending window, then its usual lifetime.
    return max([now, *(r.sms.not_before for r in rows if r.sms.not_before)]) + ttl
