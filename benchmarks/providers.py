"""SMS handed over per second, and submit latency, through the real providers to their local
peers: Mobizon over HTTP to tests/fakes/mobizon.py, SMPP to smpp34's server
(tests/fakes/smsc.py). Both peers answer at once, each in a process of its own (a real
provider is another system), so this measures our side of the wire.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from benchmarks.peers import peer
from gateways.sms.base import OutgoingSms, SendResult
from gateways.sms.mobizon import MobizonConfig, MobizonProvider
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from tests.fakes.mobizon import FakeMobizon

CONCURRENCY = 32
TEXT = "Домашнее задание: стр. 45, № 3–7."  # one UCS-2 part, like most alerts


def _sms(i: int) -> OutgoingSms:
    return OutgoingSms(f"n{i}", "+77011234567", TEXT, 1, "UCS-2", 20_00, "KZT", "eMektep")


async def _measure(
    name: str, send: Callable[[OutgoingSms], Awaitable[SendResult]], n: int
) -> dict[str, float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            start = time.perf_counter()
            await send(_sms(i))
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        f"{name}_sms_per_s": n / elapsed,
        f"{name}_submit_p50_ms": cuts[49] * 1000,
        f"{name}_submit_p99_ms": cuts[98] * 1000,
    }


async def dispatch_rates(n: int) -> dict[str, float]:
    results: dict[str, float] = {}
    async with peer("mobizon") as url:
        provider = MobizonProvider(MobizonConfig(FakeMobizon.api_key, url))
        try:
            results |= await _measure("mobizon", provider.send, n)
        finally:
            await provider.close()
    async with peer("smsc") as port:
        config = SmppConfig("127.0.0.1", int(port), "bench", "pw", window=CONCURRENCY)
        smpp = SmppProvider(config)
        try:
            results |= await _measure("smpp", smpp.send, n)
        finally:
            await smpp.close()
    return results


if __name__ == "__main__":
    for key, value in asyncio.run(dispatch_rates(2000)).items():
        print(f"{key:28} {value:10.1f}")
