"""Top-up tests: the running service (fixtures in tests/topup_fixtures.py) and helpers to
start top-ups and read balances as a signed-in parent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from notifier.http.auth import mint_token
from notifier.settings import Settings
from tests.e2e.api_support import MovableClock
from tests.freedompay_fake import FakeFreedomPay


@dataclass
class TopUps:
    client: TestClient[Any, Any]
    settings: Settings
    clock: MovableClock
    freedompay: FakeFreedomPay

    def auth(self, parent: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.settings, parent, 'parent')}"}

    async def start(self, parent: str, amount: int, **body: Any) -> ClientResponse:
        return await self.client.post(
            "/api/v1/top-ups", json={"amount": amount, **body}, headers=self.auth(parent)
        )

    async def started(self, parent: str, amount: int, **body: Any) -> dict[str, Any]:
        response = await self.start(parent, amount, **body)
        assert response.status == 201, await response.text()
        return dict(await response.json())

    async def top_up(self, parent: str, top_up_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/top-ups/{top_up_id}", headers=self.auth(parent))
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def available(self, parent: str) -> int:
        response = await self.client.get("/api/v1/balance", headers=self.auth(parent))
        assert response.status == 200, await response.text()
        return int((await response.json())["available"])
