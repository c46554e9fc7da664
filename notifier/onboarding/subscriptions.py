"""One batch of imported subscriptions, set-based, in the caller's transaction.

Rows are COPYed into a temporary staging table, then: rows whose pupil is not linked to the
parent in the roster are refused (as the internal API refuses them: nobody could be sent
anything); the others are inserted unless the parent and pupil already have a subscription
(an earlier import, or the parent's own choice, which is newer than the previous system's);
each one inserted gets a consent record carrying the file's consent source and time, and is
phone-verified only when the file says the core system verified the phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from billing.types import Conn
from notifier.onboarding.rows import SubscriptionRow

STAGE = "import_subscriptions_stage"
_COLUMNS = ("row", "parent_id", "pupil_id", "phone", "types", "language", "latin",
            "consent_source", "consent_at", "verified")  # fmt: skip
_CREATE = """
CREATE TEMP TABLE IF NOT EXISTS import_subscriptions_stage (
    row bigint, parent_id text, pupil_id text, phone text, types text[], language text,
    latin boolean, consent_source text, consent_at timestamptz, verified boolean
) ON COMMIT DELETE ROWS
"""
_UNLINKED = """
DELETE FROM import_subscriptions_stage s WHERE NOT EXISTS (
    SELECT 1 FROM parent_links l WHERE l.parent_id = s.parent_id AND l.pupil_id = s.pupil_id)
RETURNING row, pupil_id, parent_id
"""
# Consent and verified phones only for the rows inserted now: an existing subscription is
# left exactly as it is.
_INSERT = """
WITH ins AS (
  INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, latin,
                             phone_verified_at, created_at, updated_at)
  SELECT parent_id, pupil_id, phone, types, language, latin,
         CASE WHEN verified THEN $1::timestamptz END, $1, $1
    FROM import_subscriptions_stage ORDER BY parent_id, pupil_id
  ON CONFLICT (parent_id, pupil_id) DO NOTHING
  RETURNING parent_id, pupil_id),
c AS (
  INSERT INTO consent_records (parent_id, pupil_id, school_id, action, phone, types, language,
                               actor, recorded_at)
  SELECT s.parent_id, s.pupil_id, p.school_id, 'subscribe', s.phone, s.types, s.language,
         'import:' || s.consent_source, s.consent_at
    FROM ins JOIN import_subscriptions_stage s USING (parent_id, pupil_id)
    JOIN pupils p ON p.id = s.pupil_id),
v AS (
  INSERT INTO parent_phones (parent_id, phone, verified_at)
  SELECT DISTINCT s.parent_id, s.phone, $1::timestamptz
    FROM ins JOIN import_subscriptions_stage s USING (parent_id, pupil_id) WHERE s.verified
  ON CONFLICT DO NOTHING)
SELECT count(*) FROM ins
"""


async def load_subscriptions(
    conn: Conn, rows: Sequence[SubscriptionRow], now: datetime
) -> tuple[int, int, list[tuple[int, str]]]:
    """(inserted, already there, [(line, reason)] refused by the roster)."""
    await conn.execute(_CREATE)
    await conn.copy_records_to_table(STAGE, records=rows, columns=_COLUMNS)
    unlinked = [
        (r["row"], f"pupil {r['pupil_id']} is not linked to parent {r['parent_id']} in the"
                   " roster (load the roster first)")
        for r in await conn.fetch(_UNLINKED)
    ]  # fmt: skip
    inserted = int(await conn.fetchval(_INSERT, now))
    return inserted, len(rows) - len(unlinked) - inserted, unlinked
