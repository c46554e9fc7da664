"""The running service as an ops person and a parent see it in the ops tests."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import ClientResponse
from pydantic import SecretStr

from notifier.http.auth import Role, mint_token
from notifier.settings import Settings
from tests.e2e.conftest import Service

PHONE = "+77011234567"


def with_tokens(settings: Settings, **more: Any) -> Settings:
    secret = SecretStr(secrets.token_urlsafe(32))
    return settings.model_copy(update={"jwt_hs256_secret": secret, **more})


def bearer(service: Service, role: Role = "ops", sub: str = "ops-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(service.settings, sub, role)}"}


async def ops_call(service: Service, method: str, path: str, **kw: Any) -> ClientResponse:
    return await service.client.request(method, path, headers=bearer(service), **kw)


async def ops_json(service: Service, method: str, path: str, **kw: Any) -> Any:
    response = await ops_call(service, method, path, **kw)
    assert response.status == 200, await response.text()
    return await response.json()


async def subscribed(service: Service, parent: str, pupil: str, phone: str = PHONE) -> None:
    await service.enrol_with_parent(pupil, parent)
    await service.wait_linked(parent, pupil)
    await service.subscribe(
        parent_id=parent, pupil_id=pupil, phone=phone, types=["homework"], language="ru"
    )


async def metric(service: Service, line_start: str) -> float | None:
    """The value of the first /metrics sample whose line starts with `line_start`."""
    text = await (await service.client.get("/metrics")).text()
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return None
