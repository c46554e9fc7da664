"""Homework SMS through Mobizon (a local server following its API), then Mobizon's webhook
says it was never delivered: the parent gets the money back once; a forged call changes
nothing."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from gateways.sms.mobizon import MobizonConfig, MobizonProvider
from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.fakes.mobizon import FakeMobizon, webhook_event
from tests.support import homework_assigned, wait_for

pytest_plugins = ("tests.fakes.fixtures",)

pytestmark = pytest.mark.kafka
SECRET = secrets.token_urlsafe(32)
URL = "/sms/reports/mobizon"


@pytest.fixture
async def service(settings: Settings, mobizon: FakeMobizon) -> AsyncIterator[Service]:
    settings = settings.model_copy(update={"mobizon_webhook_secret": SecretStr(SECRET)})
    provider = MobizonProvider(MobizonConfig(mobizon.api_key, mobizon.url))
    app = create_app(settings, sms_provider=provider)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Service(client, settings)


def event(message_id: int, status: str, secret: str = SECRET) -> dict[str, Any]:
    return webhook_event(message_id, status, secret)


async def _homework_sent_through_mobizon(service: Service, mobizon: FakeMobizon) -> int:
    await service.enrol_with_parent("pup-1", "par-1")
    await service.wait_linked("par-1", "pup-1")
    await service.subscribe(parent_id="par-1", pupil_id="pup-1", phone="8 701 123 45 67",
                            types=["homework"], language="ru")  # fmt: skip
    await service.credit("par-1", 100_00)
    await service.publish("diary.homework", "c-5a", homework_assigned())

    async def charged() -> bool:
        return bool(mobizon.messages) and (await service.wallet("par-1"))["held"] == 0

    assert await wait_for(charged, 20), "the SMS never went through Mobizon"
    [sent] = mobizon.messages.values()
    return sent.id


async def test_an_expired_sms_reported_by_mobizon_is_refunded_once(
    service: Service, mobizon: FakeMobizon
) -> None:
    message_id = await _homework_sent_through_mobizon(service, mobizon)
    assert (await service.wallet("par-1"))["posted"] < 100_00

    first = await service.client.post(URL, json=event(message_id, "EXPIRED"))
    assert (first.status, (await first.json())["outcome"]) == (200, "refunded")
    again = await service.client.post(URL, json=event(message_id, "EXPIRED"))
    assert (again.status, (await again.json())["outcome"]) == (200, "duplicate")
    assert (await service.wallet("par-1"))["posted"] == 100_00


async def test_a_forged_or_premature_callback_changes_nothing(
    service: Service, mobizon: FakeMobizon
) -> None:
    message_id = await _homework_sent_through_mobizon(service, mobizon)
    before = await service.wallet("par-1")

    forged = await service.client.post(URL, json=event(message_id, "UNDELIV", "guessed" * 4))
    assert forged.status == 403
    pending = await service.client.post(URL, json=event(message_id, "PDLIVRD"))
    assert (await pending.json())["outcome"] == "not_final"
    unknown = await service.client.post(URL, json=event(7, "UNDELIV"))
    assert unknown.status == 404
    assert await service.wallet("par-1") == before
