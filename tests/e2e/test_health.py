"""Operations can tell a live service from a ready one, and scrape its metrics."""

from __future__ import annotations

from tests.e2e.conftest import Service


async def test_a_running_service_is_live_and_ready(service: Service) -> None:
    live = await service.client.get("/healthz")
    assert (live.status, await live.json()) == (200, {"status": "ok"})
    ready = await service.client.get("/readyz")
    body = await ready.json()
    assert ready.status == 200
    assert body["checks"] == {
        "database": "ok", "kafka": "ok", "outbox": "ok",
        "dispatcher": "ok", "consumer": "ok", "parked-events": "ok",
    }  # fmt: skip


async def test_metrics_are_exposed_for_prometheus(service: Service) -> None:
    r = await service.client.get("/metrics")
    assert r.status == 200
    assert "notifier_events_total" in await r.text()


async def test_the_internal_api_refuses_a_wrong_token(service: Service) -> None:
    r = await service.client.get(
        "/internal/v1/wallets/anyone", headers={"Authorization": "Bearer 12345"}
    )
    assert r.status == 401
    assert (await r.json())["error"]["code"] == "unauthorized"
