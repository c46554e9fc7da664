"""`make bench`: prints throughput and its ratio to a raw ceiling measured in the same run."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import uuid
from pathlib import Path

import asyncpg

from benchmarks import charges, pipeline
from devstack import EmbeddedStack
from notifier.db.migrate import migrate

OUT = Path(".devdata/bench.json")


async def run(database_url: str, bootstrap: str, n: int) -> dict[str, float]:
    conn = await asyncpg.connect(database_url)
    await migrate(conn)
    await conn.close()
    results: dict[str, float] = {}
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
        results["kafka_raw_records_per_s"] = await pipeline.raw_consume(bootstrap, topic, n * 4)
        results["service_records_per_s"] = await pipeline.service_consume(
            bootstrap, topic, n * 4, pool
        )
    return results


def report(r: dict[str, float]) -> None:
    rows = [
        ("raw PostgreSQL batched writes (ceiling)", r["pg_raw_rows_per_s"], None),
        ("raw PostgreSQL one-row commits (ceiling)", r["pg_commits_per_s"], None),
        ("SMS charges, one hot wallet", r["charges_hot_wallet_per_s"], r["pg_commits_per_s"]),
        ("SMS charges, 200 wallets", r["charges_many_wallets_per_s"], r["pg_commits_per_s"]),
        ("raw Kafka consume (ceiling)", r["kafka_raw_records_per_s"], None),
        ("events consumed and applied", r["service_records_per_s"], r["kafka_raw_records_per_s"]),
        ("  (same, vs one-row commits)", r["service_records_per_s"], r["pg_commits_per_s"]),
    ]
    for name, value, ceiling in rows:
        ratio = f"{value / ceiling:7.2%} of ceiling" if ceiling else ""
        print(f"{name:42s} {value:12,.0f}/s  {ratio}")
    print(f"peak memory (max RSS)                      {r['peak_rss_mb']:10.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="charges per scenario (events: 4n)")
    args = parser.parse_args()
    Path(".devdata").mkdir(exist_ok=True)
    with EmbeddedStack(Path(tempfile.mkdtemp(prefix="bench-", dir=".devdata"))) as stack:
        results = asyncio.run(run(stack.database_url, stack.kafka_bootstrap, args.n))
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(results)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"(written to {OUT}; the machine is shared, so compare ratios, not absolute numbers)")


if __name__ == "__main__":
    main()
