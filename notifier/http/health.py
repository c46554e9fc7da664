"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from notifier import keys
from notifier.ops.gauges import refresh_gauges


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(request.app[keys.POOL].fetchval("SELECT 1"), timeout=2)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        client = request.app[keys.PRODUCER].client
        await asyncio.wait_for(client.fetch_all_metadata(), timeout=2)
        checks["kafka"] = "ok"
    except Exception as exc:
        checks["kafka"] = f"unreachable: {type(exc).__name__}"
    checks |= _loops(request.app)
    checks["outbox"] = await _outbox(request.app)
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def _loops(app: web.Application) -> dict[str, str]:
    """Every supervised background loop: "ok", or why it is dead or stuck."""
    supervisor = app[keys.SUPERVISOR]
    problems = supervisor.problems()
    return {name: problems.get(name, "ok") for name in supervisor.loops}


async def _outbox(app: web.Application) -> str:
    """Red when a due SMS has waited too long: sending is stuck even if every loop beats."""
    limit = app[keys.SETTINGS].ready_max_queue_age_seconds
    try:
        oldest = await asyncio.wait_for(
            app[keys.POOL].fetchval(
                "SELECT extract(epoch FROM $1::timestamptz - min(due_at))"
                " FROM outbox_queue WHERE lease_owner IS NULL AND due_at <= $1",
                app[keys.CLOCK].now(),
            ),
            timeout=2,
        )
    except Exception as exc:
        return f"unknown: {type(exc).__name__}"
    if oldest is not None and oldest > limit:
        return f"oldest due SMS waiting {float(oldest):.0f}s (limit {limit}s)"
    return "ok"


async def metrics(request: web.Request) -> web.Response:
    await refresh_gauges(request.app)  # breakers, open holds, consumer lag: read now
    body = generate_latest(request.app[keys.METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.get("/metrics", metrics),
    ]
