"""The providers' local peers (tests/fakes) in a process of their own, as a real SMSC or HTTP
provider is another system: their CPU is not charged to our side of the wire."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection
from typing import Literal

from tests.fakes.mobizon import FakeMobizon
from tests.fakes.smsc import FakeSmsc

Peer = Literal["smsc", "mobizon"]


@contextlib.asynccontextmanager
async def peer(kind: Peer) -> AsyncIterator[str]:
    """The peer's address: the SMSC's port, or Mobizon's base URL."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(kind, theirs), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    try:
        yield str(await loop.run_in_executor(None, ours.recv))
    finally:
        ours.send("stop")
        await loop.run_in_executor(None, process.join, 10)
        if process.is_alive():
            process.kill()


def _serve(kind: Peer, pipe: Connection) -> None:
    asyncio.run(_serve_until_told(kind, pipe))


async def _serve_until_told(kind: Peer, pipe: Connection) -> None:
    fake = FakeSmsc() if kind == "smsc" else FakeMobizon()
    await fake.start()
    pipe.send(fake.port if isinstance(fake, FakeSmsc) else fake.url)
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    await fake.stop()
