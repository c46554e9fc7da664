"""The parents' API under test: create_app on a loopback server, a movable clock, a small
roster inserted with SQL, and helpers to sign in and to read the SMS a phone received.

Roster: parent "par-1" has two children at school sch-1 (Kazakhstan); parent "par-2" has one
child at school sch-2 (Kyrgyzstan). The fixtures are in tests/e2e/api_fixtures.py.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from notifier.app import create_app
from notifier.http.auth import Role, mint_token
from notifier.logs import RUNNER_OPTIONS
from notifier.settings import Settings
from tests.support import MovableClock, received_sms, wait_for

KZ_PHONE = "+77011234567"
KZ_PHONE_2 = "+77051112233"
KG_PHONE = "+996555123456"

ROSTER = """
INSERT INTO schools (id, name, country) VALUES
    ('sch-1', 'Школа-гимназия №1', 'KZ'), ('sch-2', 'Мектеп №7', 'KG');
INSERT INTO classes (id, school_id, name) VALUES ('c-5a', 'sch-1', '5А'), ('c-3b', 'sch-2', '3Б');
INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of) VALUES
    ('p-aida', 'sch-1', 'c-5a', 'Аида', 'ru', 'Asia/Almaty', now()),
    ('p-bek', 'sch-1', 'c-5a', 'Бек', 'kk', 'Asia/Almaty', now()),
    ('p-nur', 'sch-2', 'c-3b', 'Нур', 'ky', 'Asia/Bishkek', now());
INSERT INTO parent_links (parent_id, pupil_id, linked_at) VALUES
    ('par-1', 'p-aida', now()), ('par-1', 'p-bek', now()), ('par-2', 'p-nur', now());
"""


@dataclass
class Api:
    client: TestClient[Any, Any]
    settings: Settings
    clock: MovableClock

    def token(self, sub: str, role: Role = "parent", school_id: str | None = None) -> str:
        return mint_token(self.settings, sub, role, school_id=school_id)

    def auth(self, sub: str, role: Role = "parent", school_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, role, school_id)}"}

    async def call(self, method: str, path: str, sub: str = "par-1", **kw: Any) -> ClientResponse:
        headers = {**self.auth(sub), **kw.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kw)

    async def subscribe(
        self,
        pupil_id: str = "p-aida",
        sub: str = "par-1",
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> dict[str, Any]:
        wanted = {"phone": KZ_PHONE, "types": ["homework"], "language": "ru"} | body
        path = f"/api/v1/children/{pupil_id}/subscription"
        r = await self.call("PUT", path, sub, json=wanted, headers=headers or {})
        assert r.status == 200, await r.text()
        return dict(await r.json())

    def texts_to(self, phone: str) -> list[str]:
        return [m["text"] for m in received_sms(self.settings.sms_dev_outbox) if m["to"] == phone]

    def codes_to(self, phone: str) -> list[str]:
        """The verification SMS a phone received (not the free link to stop that follows)."""
        return [
            m["text"]
            for m in received_sms(self.settings.sms_dev_outbox)
            if m["to"] == phone and m["kind"] == "verification"
        ]

    async def code_sent_to(self, phone: str, count: int = 1) -> str:
        """The newest code once `count` code SMS reached the phone (the dispatcher sends them)."""

        async def arrived() -> bool:
            return len(self.codes_to(phone)) >= count

        assert await wait_for(arrived, timeout=10), f"no code SMS reached {phone}"
        found = re.search(r"\d{6}", self.codes_to(phone)[-1])
        assert found is not None
        return found.group()

    async def verify(self, phone: str = KZ_PHONE, sub: str = "par-1", count: int = 1) -> None:
        code = await self.code_sent_to(phone, count)
        body = {"phone": phone, "code": code}
        r = await self.call("POST", "/api/v1/phone-verifications/confirm", sub, json=body)
        assert r.status == 200, await r.text()


@contextlib.asynccontextmanager
async def serve_api(settings: Settings) -> AsyncIterator[Api]:
    """The service with the roster of api_support, on a loopback server, clock movable."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(ROSTER)
    finally:
        await conn.close()
    clock = MovableClock()
    app = create_app(settings, clock=clock, consume=False, schedule=False)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(**RUNNER_OPTIONS)  # the access log production writes
    async with TestClient(server) as client:
        yield Api(client, settings, clock)
