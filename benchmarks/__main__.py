"""`make bench`: prints throughput and its ratio to a raw ceiling measured in the same run.

`python -m benchmarks --smoke` is the same path at a small size (under 90 s), for CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import uuid
from pathlib import Path

import asyncpg

from benchmarks import (
    announcements,
    charges,
    digests,
    e2e,
    friday,
    history,
    onboarding,
    pipeline,
    providers,
    roster,
    scratch,
    smpp_receipts,
)
from benchmarks.databases import fresh_database
from benchmarks.outbox_ceiling import outbox_batched_inserts
from benchmarks.report import report
from devstack import EmbeddedStack
from notifier.db.migrate import migrate

OUT = Path(".devdata/bench.json")
SMPP_SECONDS = 60  # sustained SMPP submits with receipts flowing (3 s in --smoke)


async def run(
    database_url: str, bootstrap: str, n: int, n_digests: int, n_onboarding: int
) -> dict[str, float]:
    conn = await asyncpg.connect(database_url)
    await migrate(conn)
    results: dict[str, float] = {}
    results["pg_outbox_rows_per_s"] = await outbox_batched_inserts(conn, n * 20)
    await conn.close()
    async with asyncpg.create_pool(database_url, min_size=4, max_size=24) as pool:
        results["pg_raw_rows_per_s"] = await charges.raw_batched_writes(pool, n * 10)
        results["pg_commits_per_s"] = await charges.raw_single_commits(pool, n * 2, concurrency=16)
        results["charges_hot_wallet_per_s"] = await charges.charges(
            pool, n, wallets=1, concurrency=16
        )
        results["charges_many_wallets_per_s"] = await charges.charges(
            pool, n, wallets=200, concurrency=16
        )
        topic = f"bench.{uuid.uuid4().hex[:8]}.diary.grades"
        await pipeline.publish(bootstrap, topic, n * 4)
        results["kafka_grades_raw_per_s"] = await pipeline.raw_consume(bootstrap, topic, n * 4)
        results["service_records_per_s"] = await pipeline.service_consume(
            bootstrap, topic, n * 4, pool
        )
    # Digests in a database of their own: their SMS must not flow into the end-to-end run.
    digests_db = await fresh_database(database_url, "bench_digests")
    if n < 1000:  # smoke: the job in this process (the service's first tick is a minute away)
        async with asyncpg.create_pool(digests_db) as pool:
            results |= await digests.digest_rate(pool, n_digests)
    else:
        results |= await friday.friday(digests_db, bootstrap, n_digests, cap_s=1800.0)
    async with asyncpg.create_pool(await fresh_database(database_url, "bench_alerts")) as pool:
        results |= await announcements.announcement_rates(pool, **_alert_sizes(n))
    results |= await providers.dispatch_rates(n)
    results |= await smpp_receipts.smpp_with_receipts(SMPP_SECONDS if n >= 1000 else 3)
    onboarding_db = await fresh_database(database_url, "bench_onboarding")
    results |= await onboarding.onboarding_rates(
        onboarding_db, n_onboarding, scratch.folder("onboarding-")
    )
    roster_db = await fresh_database(database_url, "bench_roster")
    results |= await roster.roster_rates(roster_db, bootstrap, 40 if n < 1000 else 1600)
    return results


def _alert_sizes(n: int) -> dict[str, int]:
    """A 2,600-parent school and 10,000 grades; a small school for the smoke size."""
    if n < 1000:
        return {"pupils": 200, "second_parents": 60, "grades": 500}
    return {"pupils": 2000, "second_parents": 600, "grades": 10_000}


def _machine() -> dict[str, float]:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"cores": float(os.cpu_count() or 0), "memory_gib": pages / 2**30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="charges per scenario (events: 4n)")
    parser.add_argument("--smoke", action="store_true", help="small sizes, under 90 s")
    parser.add_argument("--digests", type=int, default=100_000, help="weekly digests to build")
    parser.add_argument(
        "--onboarding", type=int, default=200_000, help="subscriptions and balances to import"
    )
    parser.add_argument(
        "--prefill", type=int, default=0,
        help="SMS of the past year already in the tables: the end-to-end run again beside one"
        " on empty tables (0: not run; 20000000 is issue 16's size)",
    )  # fmt: skip
    args = parser.parse_args()
    n, scale = (100, e2e.SMOKE) if args.smoke else (args.n, e2e.Scale())
    n_digests = 2_000 if args.smoke else args.digests
    n_onboarding = 2_000 if args.smoke else args.onboarding
    with scratch.run_folder() as run_dir, EmbeddedStack(run_dir / "stack") as stack:
        results = asyncio.run(
            run(stack.database_url, stack.kafka_bootstrap, n, n_digests, n_onboarding)
        )
        results |= asyncio.run(e2e.run_e2e(stack.database_url, stack.kafka_bootstrap, scale))
        if args.prefill or args.smoke:
            results |= asyncio.run(history.history_rates(
                stack.database_url, stack.kafka_bootstrap, scale,
                args.prefill or history.SMOKE,
            ))  # fmt: skip
    results["bench_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results |= _machine()
    report(results)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"(written to {OUT}; the machine is shared, so compare ratios, not absolute numbers)")


if __name__ == "__main__":
    main()
