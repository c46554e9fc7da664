"""A running service: create_app on a real loopback HTTP server, consuming from the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from notifier.app import create_app
from notifier.settings import Settings
from tests.support import asserted_consent, parent_linked, publish, pupil_enrolled, wait_for


@dataclass
class Service:
    client: TestClient[Any, Any]
    settings: Settings

    @property
    def auth(self) -> dict[str, str]:
        token = self.settings.internal_api_token
        assert token is not None
        return {"Authorization": f"Bearer {token.get_secret_value()}"}

    def topic(self, base: str) -> str:
        return self.settings.kafka_topic_prefix + base

    async def publish(self, base: str, key: str, value: Any) -> None:
        await publish(self.settings.kafka_bootstrap_servers, self.topic(base), key, value)

    async def enrol_with_parent(self, pupil_id: str, parent_id: str, **pupil: Any) -> None:
        await self.publish("diary.roster", pupil_id, pupil_enrolled(pupil_id, **pupil))
        await self.publish("diary.roster", pupil_id, parent_linked(parent_id, pupil_id))

    async def wait_linked(self, parent_id: str, pupil_id: str) -> None:
        async def linked() -> bool:
            conn = await asyncpg.connect(self.settings.database_url)
            try:
                return bool(
                    await conn.fetchval(
                        "SELECT 1 FROM parent_links WHERE parent_id=$1 AND pupil_id=$2",
                        parent_id,
                        pupil_id,
                    )
                )
            finally:
                await conn.close()

        assert await wait_for(linked, timeout=20), "roster events were not applied"

    async def subscribe(self, **body: Any) -> dict[str, Any]:
        body.setdefault("consent", asserted_consent(str(body["parent_id"])))
        r = await self.client.put("/internal/v1/subscriptions", json=body, headers=self.auth)
        assert r.status == 200, await r.text()
        return dict(await r.json())

    async def credit(self, parent_id: str, amount: int, currency: str = "KZT") -> dict[str, Any]:
        r = await self.client.post(
            f"/internal/v1/wallets/{parent_id}/credits",
            json={"amount": amount, "currency": currency, "reference": f"test-{parent_id}"},
            headers=self.auth,
        )
        assert r.status in (200, 201), await r.text()
        return dict(await r.json())

    async def wallet(self, parent_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/internal/v1/wallets/{parent_id}", headers=self.auth)
        assert r.status == 200, await r.text()
        return dict(await r.json())


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[Service]:
    app = create_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Service(client, settings)
