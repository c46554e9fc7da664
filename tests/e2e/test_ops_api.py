"""The ops console's API, as ops staff use it on a support call and on a bad day: who may
call it, the per-phone lookup, the dashboard figures, dead letters and their re-drive."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateways.sms.dev import DevSmsProvider
from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.e2e.ops_support import (
    PHONE,
    bearer,
    ops_call,
    ops_json,
    subscribed,
    with_tokens,
)
from tests.support import homework_assigned, parent_linked, pupil_enrolled, wait_for

pytestmark = pytest.mark.kafka

CALLS = [
    ("GET", "/api/v1/ops/overview", None),
    ("GET", "/api/v1/ops/dead-letters", None),
    ("POST", "/api/v1/ops/dead-letters/diary.roster/redrive", {}),
    ("POST", "/api/v1/ops/phone-lookup", {"phone": PHONE}),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_tokens(settings, roster_wait_seconds=1)


async def test_only_an_ops_token_opens_the_console_api(service: Service) -> None:
    parent = bearer(service, "parent", "par-1")
    for method, path, body in CALLS:
        anonymous = await service.client.request(method, path, json=body)
        assert anonymous.status == 401, path
        refused = await service.client.request(method, path, json=body, headers=parent)
        assert refused.status == 403, path
        assert (await refused.json())["error"]["code"] == "forbidden"


async def test_the_lookup_shows_an_sms_skipped_for_balance_and_why(service: Service) -> None:
    await subscribed(service, "par-1", "pup-1")
    await service.publish("diary.homework", "c-5a", homework_assigned())

    async def skipped() -> bool:
        found = await ops_json(
            service, "POST", "/api/v1/ops/phone-lookup", json={"phone": "8 701 123 45 67"}
        )  # as people type it
        return any(m["status"] == "skipped_insufficient_funds" for m in found["messages"])

    assert await wait_for(skipped, 20)
    found = await ops_json(service, "POST", "/api/v1/ops/phone-lookup", json={"phone": PHONE})
    assert found["phone"] == PHONE
    [sub] = found["subscriptions"]
    assert (sub["parent_id"], sub["pupil_id"], sub["types"]) == ("par-1", "pup-1", ["homework"])
    assert sub["active"]
    assert sub["phone_verified_at"] is not None
    assert found["wallets"] == []  # never topped up
    [message] = found["messages"]
    assert message["kind"].startswith("homework")
    assert message["last_error"] == "no wallet: never topped up"
    assert message["sent_at"] is None


async def test_a_lookup_of_something_that_is_not_a_phone_is_a_422(service: Service) -> None:
    response = await ops_call(service, "POST", "/api/v1/ops/phone-lookup", json={"phone": "12"})
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_phone"


async def test_the_overview_counts_the_sms_sent_and_the_queue(service: Service) -> None:
    await subscribed(service, "par-1", "pup-1")
    await subscribed(service, "par-2", "pup-2", phone="+77017654321")
    await service.credit("par-1", 100_00)
    await service.credit("par-2", 100_00)
    await service.publish("diary.homework", "c-5a", homework_assigned(text="Стр. 45"))

    async def both_sent() -> bool:
        found = await ops_json(service, "GET", "/api/v1/ops/overview")
        return sum(r["sent"] for r in found["rates"]) == 2

    assert await wait_for(both_sent, 20)
    found = await ops_json(service, "GET", "/api/v1/ops/overview")
    [dev] = found["rates"]
    assert (dev["provider"], dev["sent"], dev["parts"]) == ("dev", 2, 2)
    assert found["failures"] == []
    assert found["queue"] == {"due": 0, "later": 0, "sending": 0, "in_doubt": 0,
                              "oldest_due_seconds": None}  # fmt: skip
    assert found["breakers"] == {"states": {"dev": "closed"}, "note": None}


async def test_a_redriven_dead_letter_is_applied_and_leaves_the_list(service: Service) -> None:
    await service.publish("diary.roster", "late", parent_linked("par-late", "late"))

    async def waiting() -> dict[str, Any]:
        found = await ops_json(service, "GET", "/api/v1/ops/dead-letters")
        return {t["topic"]: t for t in found["topics"]}

    async def dead_lettered() -> bool:
        return bool((await waiting())["diary.roster"]["waiting"] == 1)

    assert await wait_for(dead_lettered, 20)
    roster = (await waiting())["diary.roster"]
    assert roster["dead_letter_topic"] == service.topic("diary.roster.dlq")
    [latest] = roster["latest"]
    assert "late" in latest["reason"]
    assert latest["key"] == "late"
    await service.publish("diary.roster", "late", pupil_enrolled("late"))

    moved = await ops_json(service, "POST", "/api/v1/ops/dead-letters/diary.roster/redrive",
                           json={})  # fmt: skip

    assert moved == {"topic": "diary.roster", "moved": 1}
    await service.wait_linked("par-late", "late")
    assert (await waiting())["diary.roster"]["waiting"] == 0


async def test_only_the_consumed_topics_can_be_redriven(service: Service) -> None:
    path = "/api/v1/ops/dead-letters/payments/redrive"
    response = await ops_call(service, "POST", path, json={})
    assert response.status == 404


async def test_a_single_provider_without_routing_has_no_breaker(settings: Settings) -> None:
    provider = DevSmsProvider(settings.sms_dev_outbox)
    app = create_app(settings, sms_provider=provider, consume=False, dispatch=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        found = await ops_json(Service(client, settings), "GET", "/api/v1/ops/overview")
    assert found["breakers"] == {"states": {}, "note": "no breaker: single provider"}
