"""What an announcement would cost before the school publishes it (pure but for two reads):
its SMS parts in each language, how many parents it would reach and what it would cost them.

It counts as the real fan-out does (notifier/handlers/announcements.py and
notifier/outbox/enqueue.py): one SMS per parent and phone subscribed to announcements with
a verified phone, in the subscription's language (the school's translation, else as sent),
priced at the wallet's tariff for the phone's country; what a wallet cannot cover is not
sent. Nothing is written: a preview holds no money and can be wrong by the time of
publishing if balances change meanwhile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from billing.tariffs import load_tariffs
from billing.types import Conn
from gateways.sms.segments import count_parts
from notifier.announcements.audience import TARGETED, checked_scope
from notifier.outbox.window import not_before_by_subscription
from notifier.sms.texts import LANGUAGES, Language, announcement
from schemas.announcements_v1 import Audience

# Every parent and phone of the audience subscribed to announcements, verified first.
_CANDIDATES = """
WITH a AS (
    SELECT p.id FROM pupils p WHERE p.school_id = $1 AND p.active
       AND ($2::text[] IS NULL OR p.class_id = ANY ($2::text[]))
       AND ($3::text[] IS NULL OR p.id = ANY ($3::text[])))
SELECT DISTINCT ON (s.parent_id, s.phone) s.id, s.parent_id, s.language, s.country,
       s.phone_verified_at IS NOT NULL AS verified, w.currency, w.posted - w.held AS available
  FROM a JOIN parent_links l ON l.pupil_id = a.id
  JOIN subscriptions s ON s.parent_id = l.parent_id AND s.pupil_id = a.id
  LEFT JOIN ledger_accounts w ON w.kind = 'wallet' AND w.owner = s.parent_id
 WHERE s.active AND 'announcements' = ANY (s.types)
 ORDER BY s.parent_id, s.phone, s.phone_verified_at IS NULL, s.id
"""


@dataclass(frozen=True)
class Draft:
    school_id: str
    audience: Audience
    title: str
    text: str
    translations: Mapping[Language, tuple[str, str]]  # language -> (title, text)
    urgent: bool = False


@dataclass(frozen=True)
class LanguageParts:
    language: Language
    text: str
    encoding: str
    parts: int
    characters: int
    fits: bool  # within ANNOUNCEMENT_MAX_PARTS: over it, publishing is refused


@dataclass(frozen=True)
class Preview:
    languages: list[LanguageParts]
    max_parts: int
    targeted: int  # parents linked to the audience's pupils
    subscribed: int  # of them, subscribed to announcements
    verified: int  # of those, with a verified phone
    reached: int  # of those, whose balance covers it: they would get it
    short_of_balance: int  # verified, but the balance (or a wallet) is missing
    waiting_for_window: int  # of the reached, whose school's window is closed now
    window_opens_at: datetime | None  # when the first of those opens
    costs: dict[str, int]  # currency -> minor units, the total parents would pay


def texts(draft: Draft) -> dict[Language, str]:
    """The SMS per language, as the fan-out renders it."""
    original = announcement(draft.title, draft.text)
    return {
        lang: announcement(*draft.translations[lang]) if lang in draft.translations else original
        for lang in LANGUAGES
    }


def parts_per_language(bodies: Mapping[Language, str], max_parts: int) -> list[LanguageParts]:
    out = []
    for lang, body in bodies.items():
        sms = count_parts(body)
        out.append(LanguageParts(lang, body, sms.encoding, sms.parts, sms.units,
                                 sms.parts <= max_parts))  # fmt: skip
    return out


async def preview(
    conn: Conn, draft: Draft, *, max_parts: int, now: datetime, window: tuple[time, time]
) -> Preview:
    """Raises what the fan-out would: NotYetKnown for a class or pupil not in the roster,
    RejectedEvent for one of another school."""
    classes, pupils = await checked_scope(conn, draft.school_id, draft.audience)
    args = (draft.school_id, classes, pupils)
    targeted = int(await conn.fetchval(TARGETED, *args))
    rows = await conn.fetch(_CANDIDATES, *args)
    bodies = texts(draft)
    tariffs = await load_tariffs(conn, now)
    left = {r["parent_id"]: r["available"] or 0 for r in rows}
    costs: Counter[str] = Counter()
    reached: list[int] = []
    short: set[str] = set()
    for r in rows:
        if not r["verified"]:
            continue
        per_part = tariffs.per_part(r["currency"], r["country"]) if r["currency"] else None
        cost = count_parts(bodies[r["language"]]).parts * (per_part or 0)
        if per_part is None or cost > left[r["parent_id"]]:
            short.add(r["parent_id"])
            continue
        left[r["parent_id"]] -= cost
        costs[r["currency"]] += cost
        reached.append(r["id"])
    reached_parents = {r["parent_id"] for r in rows if r["id"] in set(reached)}
    opens = await _waiting(conn, reached, now, window) if not draft.urgent else []
    return Preview(
        languages=parts_per_language(bodies, max_parts),
        max_parts=max_parts,
        targeted=targeted,
        subscribed=len({r["parent_id"] for r in rows}),
        verified=len({r["parent_id"] for r in rows if r["verified"]}),
        reached=len(reached_parents),
        short_of_balance=len(short - reached_parents),
        waiting_for_window=len(opens),
        window_opens_at=min(opens) if opens else None,
        costs=dict(costs),
    )


async def _waiting(
    conn: Conn, subscription_ids: list[int], now: datetime, window: tuple[time, time]
) -> list[datetime]:
    found = await not_before_by_subscription(conn, subscription_ids, now, window)
    return [at for at in found.values() if at is not None]
