"""The SMS of one batch of a school's weekly digest: each child's own, or one per shared phone.

Each child's week is claimed first (notifier/digest/phones.py); only what this batch claimed
is composed, so a rerun, a second replica or the other school of a shared phone composes
nothing twice. A shared phone's one SMS is queued on the lowest claimed child's subscription
(whose week has no SMS yet, so its dedupe key is free) and charged to the parent once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from billing.types import Conn
from notifier.digest.budget import empty_digest, fit_digest
from notifier.digest.load import Subscriber
from notifier.digest.per_phone import phone_week
from notifier.digest.phones import (
    Child,
    Claim,
    SharedPhone,
    claim,
    record_carriers,
    shared_phones,
)
from notifier.outbox.enqueue import PendingSms, sms_to

KIND = "weekly_digest"


@dataclass(frozen=True)
class Composer:
    run_id: uuid.UUID
    week: str
    days: tuple[date, date]
    send_empty: bool  # the school's: a week without marks is said
    max_parts: int
    not_before: datetime | None

    def sms(self, to: Subscriber, body: str) -> PendingSms:
        return sms_to(
            to, event_id=self.run_id, kind=KIND, dedupe_key=f"{KIND}:{self.week}", body=body,
            not_before=self.not_before,
        )  # fmt: skip


@dataclass
class BatchSms:
    pending: list[PendingSms] = field(default_factory=list)
    empty: int = 0  # children claimed with nothing to send
    elsewhere: int = 0  # children another subscription's run sends with its own
    carried_by: dict[int, int] = field(default_factory=dict)


async def compose_batch(conn: Conn, c: Composer, batch: list[Subscriber]) -> BatchSms:
    phones = await shared_phones(conn, [s.subscription_id for s in batch], c.week, c.days)
    out = BatchSms()
    wanted: list[Claim] = []
    own: dict[int, str | None] = {}  # a child alone on the phone: its text, known before claiming
    for sub in batch:
        phone = phones.get(sub.subscription_id)
        if phone is not None and phone.owner != sub.subscription_id and phone.owner_passed:
            del phones[sub.subscription_id]  # the owner went already: this one goes alone
            phone = None
        if phone is None:
            text = own[sub.subscription_id] = _own_text(c, sub)
            carrier = None if text is None else sub.subscription_id
            wanted.append(Claim(sub.subscription_id, sub.pupil_id, carrier))
        elif phone.owner == sub.subscription_id:
            wanted.extend(Claim(k.subscription_id, k.pupil_id, None) for k in phone.children)
        else:
            out.elsewhere += 1
    claimed = await claim(conn, wanted, c.week)
    for sub in batch:
        phone = phones.get(sub.subscription_id)
        if phone is None and sub.subscription_id in claimed:
            _own(c, out, sub, own[sub.subscription_id])
        elif phone is not None and phone.owner == sub.subscription_id:
            _shared(c, out, sub, phone, claimed)
    # A child alone was claimed with its carrier (itself); only a shared phone's are told now.
    shared = {k: v for k, v in out.carried_by.items() if k not in own}
    await record_carriers(conn, shared, c.week)
    return out


def _own_text(c: Composer, sub: Subscriber) -> str | None:
    if sub.week.subjects:
        return fit_digest(sub.week, sub.language, latin=sub.latin, max_parts=c.max_parts)
    if c.send_empty:
        return empty_digest(sub.week, sub.language, latin=sub.latin, max_parts=c.max_parts)
    return None


def _own(c: Composer, out: BatchSms, to: Subscriber, text: str | None) -> None:
    if text is None:
        out.empty += 1
        return
    out.pending.append(c.sms(to, text))
    out.carried_by[to.subscription_id] = to.subscription_id


def _shared(
    c: Composer, out: BatchSms, owner: Subscriber, phone: SharedPhone, claimed: set[int]
) -> None:
    kids = [k for k in phone.children if k.subscription_id in claimed]
    texts = phone_week([(k.week, k.say_empty) for k in kids], owner.language,
                       latin=owner.latin, max_parts=c.max_parts)  # fmt: skip
    if texts.combined is None or not texts.send_combined:
        for kid, text in zip(kids, texts.separate, strict=True):
            _own(c, out, _as(owner, kid), text)
        return
    said = [k for k, text in zip(kids, texts.separate, strict=True) if text is not None]
    out.empty += len(kids) - len(said)
    out.pending.append(c.sms(_as(owner, said[0]), texts.combined))
    out.carried_by.update({k.subscription_id: said[0].subscription_id for k in said})


def _as(owner: Subscriber, kid: Child) -> Subscriber:
    """The kid's subscription: the same parent, phone, language and letters as the owner's."""
    return replace(owner, subscription_id=kid.subscription_id, pupil_id=kid.pupil_id,
                   week=kid.week)  # fmt: skip
