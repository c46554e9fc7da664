"""Sustained SMPP submits with a receipt for every part, several binds, the SMSC peer
(tests/fakes/smsc_peer.py, written from the protocol) in a process of its own.

Sends are kept `binds x window` in flight for `seconds`; reported: submits/s over the run,
the slowest and fastest whole second, p99 submit latency, the longest time with no submit
answered (a stall), and receipts unmatched (a receipt for no accepted message, or an
accepted message without its receipt at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection

from gateways.sms.base import OutgoingSms
from gateways.sms.reports import Report
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.smsc_peer import SmscPeer

TEXT = "Домашнее задание: стр. 45, № 3–7."  # one UCS-2 part, like most alerts
RECEIPTS_GRACE_SECONDS = 10.0  # receipts still on their way when the sending stops


async def smpp_with_receipts(
    seconds: float, *, binds: int = 4, window: int = 50
) -> dict[str, float]:
    async with _peer() as port:
        reports: list[Report] = []
        expected = [float("inf")]  # receipts to wait for, known once the sending stops
        all_in = asyncio.Event()

        async def sink(report: Report) -> None:
            reports.append(report)
            if len(reports) >= expected[0]:
                all_in.set()

        config = SmppConfig("127.0.0.1", port, "school", "secret", window=window, binds=binds)
        smpp = SmppProvider(config, on_report=sink)
        try:
            accepted, latencies, done_at, began = await _drive(smpp, seconds, binds * window)
            expected[0] = len(accepted)
            if len(reports) >= expected[0]:
                all_in.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_in.wait(), RECEIPTS_GRACE_SECONDS)
        finally:
            await smpp.close()
    return _figures(accepted, latencies, done_at, began, reports)


async def _drive(
    smpp: SmppProvider, seconds: float, in_flight: int
) -> tuple[set[str], list[float], list[float], float]:
    accepted: set[str] = set()
    latencies: list[float] = []
    done_at: list[float] = []
    numbers = iter(range(10**9))
    began = time.perf_counter()
    stop = began + seconds

    async def sender() -> None:
        while (now := time.perf_counter()) < stop:
            i = next(numbers)
            sms = OutgoingSms(f"n{i}", "+77011234567", TEXT, 1, "UCS-2", 20_00, "KZT", "eMektep")
            with contextlib.suppress(Exception):  # a failure shows as a gap in the series
                accepted.add((await smpp.send(sms)).provider_message_id)
                done = time.perf_counter()
                latencies.append(done - now)
                done_at.append(done)

    await asyncio.gather(*(sender() for _ in range(in_flight)))
    return accepted, latencies, done_at, began


def _figures(
    accepted: set[str], latencies: list[float], done_at: list[float], began: float,
    reports: list[Report],
) -> dict[str, float]:  # fmt: skip
    per_second = Counter(int(t - began) for t in done_at)
    seconds = max(per_second) + 1 if per_second else 1
    series = [per_second.get(s, 0) for s in range(seconds)]
    gaps = [b - a for a, b in zip([began, *done_at], done_at, strict=False)]
    reported = {r.provider_message_id for r in reports}
    print("  smpp per-second submits:", " ".join(str(n) for n in series))
    return {
        "smpp_receipts_submits_per_s": len(done_at) / (done_at[-1] - began) if done_at else 0.0,
        "smpp_receipts_slowest_second": float(min(series[:-1] or series)),
        "smpp_receipts_fastest_second": float(max(series)),
        "smpp_receipts_submit_p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000
        if len(latencies) > 1 else 0.0,
        "smpp_receipts_longest_stall_s": max(gaps, default=0.0),
        "smpp_receipts_unmatched": float(len(reported ^ accepted)),
        "smpp_receipts_received": float(len(reports)),
    }  # fmt: skip


@contextlib.asynccontextmanager
async def _peer() -> AsyncIterator[int]:
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(theirs,), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    try:
        yield int(await loop.run_in_executor(None, ours.recv))
    finally:
        ours.send("stop")
        await loop.run_in_executor(None, process.join, 10)
        if process.is_alive():
            process.kill()


def _serve(pipe: Connection) -> None:
    async def serve() -> None:
        peer = SmscPeer(receipts="DELIVRD", window=100)
        await peer.start()
        pipe.send(peer.port)
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await peer.stop()

    asyncio.run(serve())


if __name__ == "__main__":
    import sys

    figures = asyncio.run(smpp_with_receipts(float(sys.argv[1]) if len(sys.argv) > 1 else 10))
    for key, value in figures.items():
        print(f"{key:36} {value:12.1f}")
