"""A year of history before the measurement (issue 16 §3): `n` SMS already sent and charged,
spread evenly over the past twelve months, for the seeded school's own subscriptions. Each is
what the service would have left behind: the outbox row (sent, delivered), its exactly-once
key, its event's processed_events row (one event per `PER_EVENT` SMS), its captured hold and
its balanced ledger transaction (wallet -> SMS revenue, two entries, posted when it was
sent). Each wallet also gets one top-up of what its history cost, posted before it, so every
wallet's entries still sum to its balance.

Set-based inside PostgreSQL (INSERT ... SELECT generate_series), in chunks of `CHUNK` SMS,
each its own transaction, with triggers off for the fill alone (session_replication_role):
the ledger's would refuse entries posted in the past and check each transaction row by row,
the fill writes balanced transactions by construction. Then VACUUM ANALYZE and a checkpoint,
so neither lands in the measurement.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import asyncpg

CHUNK = 500_000  # a multiple of PER_EVENT
PER_EVENT = 4  # SMS per event: whole classes and single pupils, on average
DAYS = 365  # the history ends an hour ago and starts this long before

_SUBS = """
CREATE UNLOGGED TABLE prefill_subs AS
SELECT (row_number() OVER (ORDER BY s.id) - 1)::int AS k, s.id AS sub_id, s.parent_id,
       s.pupil_id, s.phone, a.id AS wallet, a.currency, r.id AS revenue,
       CASE a.currency WHEN 'KGS' THEN 600 ELSE 4000 END AS price
  FROM subscriptions s
  JOIN ledger_accounts a ON a.kind = 'wallet' AND a.owner = s.parent_id
  JOIN ledger_accounts r ON r.kind = 'sms_revenue' AND r.owner = '' AND r.currency = a.currency
"""

# Ids are reserved up front (each sequence moved past the fill), then computed from g.
_RESERVE = """
CREATE UNLOGGED TABLE prefill_ids AS SELECT
  (SELECT setval('notifications_id_seq', nextval('notifications_id_seq') + $1)) - $1 AS n0,
  (SELECT setval('ledger_holds_id_seq', nextval('ledger_holds_id_seq') + $1)) - $1 AS h0,
  (SELECT setval('ledger_transactions_id_seq',
                 nextval('ledger_transactions_id_seq') + $1 + $2)) - $1 - $2 AS t0,
  (SELECT setval('ledger_entries_id_seq',
                 nextval('ledger_entries_id_seq') + 2 * ($1 + $2))) - 2 * ($1 + $2) AS e0
"""

# $1 first g, $2 last g (exclusive), $3 n, $4 the history's start, $5 its length in seconds,
# $6 how many subscriptions, $7 SMS per event.
_CHUNK = """
CREATE TEMP TABLE prefill_chunk ON COMMIT DROP AS
SELECT b.n0 + g AS id, b.h0 + g AS hold_id, b.t0 + g AS tx_id, b.e0 + 2 * g AS entry_id,
       $4::timestamptz + make_interval(secs => $5 * g::float8 / $3) AS created_at,
       md5('prefill' || g / $7)::uuid AS event_id, g % $7 = 0 AS first_of_event, s.*
  FROM generate_series($1::bigint, $2::bigint - 1) g
  CROSS JOIN prefill_ids b
  JOIN prefill_subs s ON s.k = (g * 7919) % $6
 ORDER BY event_id
"""

_ROWS = [
    """INSERT INTO notifications (id, event_id, subscription_id, parent_id, pupil_id, kind,
       phone, body, encoding, parts, price, currency, hold_id, status, provider,
       provider_message_id, attempts, next_attempt_at, created_at, sent_at, delivery_status,
       delivery_reported_at)
SELECT id, event_id, sub_id, parent_id, pupil_id, 'homework', phone,
       'Домашнее задание по математике: §12, упражнения 3-7, выучить правило на с. 48',
       'UCS-2', 2, price, currency, hold_id, 'sent', 'dev', 'pf-' || id, 1, created_at,
       created_at, created_at + interval '2 s', 'delivered', created_at + interval '9 s'
  FROM prefill_chunk""",
    """INSERT INTO processed_events (event_id, topic, event_type, partition, "offset",
       processed_at)
SELECT event_id, 'diary.homework', 'homework.assigned', 0, id, created_at
  FROM prefill_chunk WHERE first_of_event""",
    """INSERT INTO notification_keys (id, created_at, event_id, subscription_id, kind)
SELECT id, created_at, event_id, sub_id, 'homework' FROM prefill_chunk""",
    """INSERT INTO ledger_transactions (id, kind, reference, created_at)
SELECT tx_id, 'sms_charge', 'hold:' || hold_id, created_at + interval '2 s' FROM prefill_chunk""",
    """INSERT INTO ledger_holds (id, account_id, amount, currency, reference, status,
       created_at, expires_at, resolved_at, resolution, transaction_id)
SELECT hold_id, wallet, price, currency, 'notification:' || id, 'captured', created_at,
       created_at + interval '1 day', created_at + interval '2 s', 'accepted by provider', tx_id
  FROM prefill_chunk""",
    """INSERT INTO ledger_entries (id, transaction_id, account_id, amount, currency, posted_at)
SELECT entry_id + leg, tx_id, CASE leg WHEN 0 THEN wallet ELSE revenue END,
       CASE leg WHEN 0 THEN price ELSE -price END, currency, created_at + interval '2 s'
  FROM prefill_chunk CROSS JOIN (VALUES (0), (1)) AS l(leg)""",
]

# One top-up per wallet of what its history cost (clearing -> wallet), posted before it.
_COST = """
INSERT INTO prefill_cost SELECT wallet, currency, sum(price) FROM prefill_chunk GROUP BY 1, 2
"""
_TOP_UPS = [
    """CREATE TEMP TABLE prefill_top_ups ON COMMIT DROP AS
SELECT wallet, currency, sum(amount) AS amount, row_number() OVER (ORDER BY wallet) - 1 AS j
  FROM prefill_cost GROUP BY wallet, currency""",
    """INSERT INTO ledger_transactions (id, kind, reference, memo, created_at)
SELECT b.t0 + $1 + j, 'manual_credit', 'prefill-' || wallet, 'history', $2::timestamptz
  FROM prefill_top_ups CROSS JOIN prefill_ids b""",
    """INSERT INTO ledger_entries (id, transaction_id, account_id, amount, currency, posted_at)
SELECT b.e0 + 2 * ($1 + j) + leg, b.t0 + $1 + j,
       CASE leg WHEN 0 THEN c.id ELSE u.wallet END,
       CASE leg WHEN 0 THEN amount ELSE -amount END, u.currency, $2::timestamptz
  FROM prefill_top_ups u CROSS JOIN prefill_ids b CROSS JOIN (VALUES (0), (1)) AS l(leg)
  JOIN ledger_accounts c ON c.kind = 'gateway_clearing' AND c.owner = 'seed'
                        AND c.currency = u.currency""",
]


async def prefill(conn: asyncpg.Connection, n: int, chunk: int = CHUNK) -> float:
    """Write `n` historical SMS (see the module docstring); returns the seconds it took."""
    started = time.monotonic()
    if n <= 0:
        return 0.0
    end = datetime.now(UTC) - timedelta(hours=1)
    start = end - timedelta(days=DAYS)
    for parent in ("notifications", "ledger_entries"):
        await conn.execute("SELECT create_month_partitions($1, $2, 14)", parent, start)
    await conn.execute(_SUBS)
    await conn.execute("CREATE UNLOGGED TABLE prefill_cost (wallet bigint, currency text,"
                       " amount bigint)")  # fmt: skip
    subs = await conn.fetchval("SELECT count(*) FROM prefill_subs")
    wallets = await conn.fetchval("SELECT count(DISTINCT wallet) FROM prefill_subs")
    await conn.execute(_RESERVE, n, wallets)
    await conn.execute("SET session_replication_role = replica")
    await conn.execute("SET synchronous_commit = off")
    # Checkpoints far apart while filling (each would write every page again to the WAL);
    # back to the server's setting, and one checkpoint, before anything is measured.
    await conn.execute("ALTER SYSTEM SET max_wal_size = '2GB'")
    await conn.execute("SELECT pg_reload_conf()")
    try:
        for lo in range(0, n, chunk):
            async with conn.transaction():
                hi = min(lo + chunk, n)
                await conn.execute(
                    _CHUNK, lo, hi, n, start, (end - start).total_seconds(), subs, PER_EVENT
                )
                for sql in (*_ROWS, _COST):
                    await conn.execute(sql)
        async with conn.transaction():
            await conn.execute(_TOP_UPS[0])
            for sql in _TOP_UPS[1:]:
                await conn.execute(sql, n, start - timedelta(minutes=1))
    finally:
        await conn.execute("SET session_replication_role = DEFAULT")
        await conn.execute("SET synchronous_commit = DEFAULT")
        await conn.execute("ALTER SYSTEM RESET max_wal_size")
        await conn.execute("SELECT pg_reload_conf()")
    await conn.execute("DROP TABLE prefill_subs, prefill_ids, prefill_cost")
    # Vacuumed and checkpointed now, not by autovacuum in the middle of the measurement.
    await conn.execute("VACUUM ANALYZE")
    await conn.execute("CHECKPOINT")
    return time.monotonic() - started
