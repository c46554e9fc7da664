"""The end-to-end path alone, at a size of your choice, with where the database's time went:
`python -m benchmarks.e2e_profile [CLASSES] [EVENTS]` (default: the full `make bench` size,
2,000 classes and 1,500 whole-class homework events, ~49,000 SMS).

Prints the outbox ceiling (raw batched inserts of the same rows), notifications charged and
queued per second, SMS dispatched per second, and the 15 statements that took longest in
total (pg_stat_statements: execution time, lock waits included), so a change to the write
path can be weighed by what it moved, not by one noisy rate.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import asyncpg

from benchmarks import e2e, scratch
from benchmarks.outbox_ceiling import outbox_batched_inserts
from devstack import EmbeddedStack
from notifier.db.migrate import migrate

_TOP = """
SELECT round(total_exec_time) AS ms, calls, round(mean_exec_time::numeric, 2) AS mean,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15
"""


async def _profile(stack: EmbeddedStack, scale: e2e.Scale) -> None:
    conn = await asyncpg.connect(stack.database_url)
    await conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    await conn.close()
    assert stack.postgres is not None
    stack.postgres.restart()
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await migrate(conn)
        ceiling = await outbox_batched_inserts(conn, 40_000)
        await conn.execute("SELECT pg_stat_statements_reset()")
        r = await e2e.run_e2e(stack.database_url, stack.kafka_bootstrap, scale)
        print(f"outbox ceiling {ceiling:,.0f}/s; charged+queued {r['notifications_per_s']:,.0f}/s"
              f" ({r['notifications_per_s'] / ceiling:.0%}); dispatched {r['sms_per_s']:,.0f}/s;"
              f" {r['notifications']:,.0f} SMS; service peak RSS {r['service_peak_rss_mb']:.0f}"
              " MiB")  # fmt: skip
        print(f"{'total ms':>9} {'calls':>7} {'mean ms':>8}  statement")
        for row in await conn.fetch(_TOP):
            print(f"{row['ms']:>9} {row['calls']:>7} {row['mean']:>8}  {row['query']}")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("classes", type=int, nargs="?", default=2000)
    parser.add_argument("events", type=int, nargs="?", default=1500)
    args = parser.parse_args()
    scale = e2e.Scale(classes=args.classes, backlog_events=args.events,
                      rates=(("steady", 100.0),), steady_s=3.0)  # fmt: skip
    Path(".devdata").mkdir(exist_ok=True)
    with scratch.run_folder("profile-") as run_dir, EmbeddedStack(run_dir / "stack") as stack:
        asyncio.run(_profile(stack, scale))


if __name__ == "__main__":
    main()
