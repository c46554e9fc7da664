"""Background loops, supervised: a loop that fails is logged and restarted with backoff, and
each reports a heartbeat, so /readyz turns red when one is dead or stuck instead of the
service looking healthy while nothing is sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class Loop:
    name: str
    stale_after: float  # seconds without a heartbeat before the loop counts as stuck
    last_beat: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    restarts: int = 0
    task: asyncio.Task[None] | None = None

    def beat(self) -> None:
        self.last_beat = asyncio.get_running_loop().time()

    def problem(self) -> str | None:
        if self.task is None or self.task.done():
            return "stopped"
        age = asyncio.get_running_loop().time() - self.last_beat
        return f"no heartbeat for {age:.0f}s" if age > self.stale_after else None


@dataclass
class Supervisor:
    loops: dict[str, Loop] = field(default_factory=dict)

    def start(
        self, name: str, run: Callable[[Loop], Awaitable[None]], *, stale_after: float
    ) -> Loop:
        """Run `run(loop)` until it returns, restarting it (with backoff) when it raises."""
        loop = Loop(name, stale_after)
        loop.task = asyncio.create_task(self._keep_running(loop, run), name=name)
        self.loops[name] = loop
        return loop

    async def _keep_running(self, loop: Loop, run: Callable[[Loop], Awaitable[None]]) -> None:
        backoff = 0.5
        while True:
            try:
                await run(loop)
                return
            except Exception:
                loop.restarts += 1
                log.exception("%s failed; restarting in %.1fs", loop.name, backoff)
            await asyncio.sleep(backoff)
            loop.beat()
            backoff = min(backoff * 2, 30.0)

    def problems(self) -> dict[str, str]:
        return {name: p for name, loop in self.loops.items() if (p := loop.problem())}

    async def stop(self, name: str, timeout: float) -> None:
        """Wait up to `timeout` for a loop asked to stop, then cancel it."""
        loop = self.loops.pop(name, None)
        if loop is None or loop.task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(loop.task), timeout)
        except TimeoutError:
            loop.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop.task


async def every(seconds: float, step: Callable[[], Awaitable[object]], loop: Loop) -> None:
    """A periodic step as a supervised loop body."""
    while True:
        loop.beat()
        await step()
        await asyncio.sleep(seconds)
