"""Charging SMS (hold + capture, each in its own transaction) vs. raw batched PostgreSQL writes."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from billing.holds import capture_hold, place_hold
from billing.ledger import credit_wallet

EXPIRES = datetime.now(UTC) + timedelta(days=1)


async def raw_batched_writes(pool: asyncpg.Pool, rows: int) -> float:
    """Ceiling: rows/s of plain batched INSERTs into an unindexed table."""
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (a bigint, b text, c bigint)")
        started = time.perf_counter()
        for start in range(0, rows, 1000):
            batch = [(i, f"row-{i}", i * 2) for i in range(start, min(start + 1000, rows))]
            await conn.executemany("INSERT INTO bench_raw VALUES ($1, $2, $3)", batch)
        return rows / (time.perf_counter() - started)


async def raw_single_commits(pool: asyncpg.Pool, rows: int, concurrency: int) -> float:
    """Ceiling for per-event work: one INSERT per committed transaction, like a charge's
    durability cost without its bookkeeping."""
    await pool.execute("CREATE TABLE IF NOT EXISTS bench_commit (a bigint, b text)")

    async def worker(offset: int) -> None:
        for i in range(offset, rows, concurrency):
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("INSERT INTO bench_commit VALUES ($1, $2)", i, "x")

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return rows / (time.perf_counter() - started)


async def _fund(pool: asyncpg.Pool, parent: str, amount: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await credit_wallet(conn, parent, amount, "KZT", source=("gateway_clearing", "bench"),
                            kind="top_up", reference=f"bench-{parent}")  # fmt: skip


async def _charge(pool: asyncpg.Pool, parent: str, ref: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        hold = await place_hold(conn, parent, 20_00, reference=ref, expires_at=EXPIRES)
    async with pool.acquire() as conn, conn.transaction():
        await capture_hold(conn, hold.id)


async def charges(pool: asyncpg.Pool, n: int, wallets: int, concurrency: int) -> float:
    """Charges/s: `n` SMS spread over `wallets` wallets by `concurrency` workers."""
    tag = f"w{wallets}c{concurrency}"
    for w in range(wallets):
        await _fund(pool, f"{tag}-{w}", n * 20_00)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            await _charge(pool, f"{tag}-{i % wallets}", f"{tag}-{i}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - started)
