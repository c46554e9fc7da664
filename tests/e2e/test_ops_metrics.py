"""/metrics as an alerting rule sees it when a provider goes down: the failures by class, the
breaker open, the money held for the SMS that wait, and the consumer keeping up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from notifier.app import create_app
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.e2e.ops_support import metric, ops_json, subscribed, with_tokens
from tests.fakes.mobizon import FakeMobizon
from tests.support import homework_assigned, pupil_enrolled, wait_for

pytestmark = pytest.mark.kafka
pytest_plugins = ("tests.fakes.fixtures",)


@pytest.fixture
async def idle(settings: Settings) -> AsyncIterator[Service]:
    """The service with its consumer off: whatever is published waits."""
    app = create_app(with_tokens(settings), consume=False, dispatch=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Service(client, settings)


@pytest.fixture
async def unsent(settings: Settings) -> AsyncIterator[Service]:
    """The service with its dispatcher off: queued SMS stay queued."""
    configured = with_tokens(settings)
    app = create_app(configured, dispatch=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Service(client, configured)


@pytest.fixture
async def failing(settings: Settings, mobizon: FakeMobizon) -> AsyncIterator[Service]:
    """The service with Mobizon as its only provider, and Mobizon answering 503."""
    mobizon.mode = "unavailable"
    configured = with_tokens(settings, sms_routes={"*": ["mobizon"]}, sms_breaker_failures=1,
                             mobizon_api_key=SecretStr(mobizon.api_key),
                             mobizon_base_url=mobizon.url)  # fmt: skip
    async with TestClient(TestServer(create_app(configured), host="127.0.0.1")) as client:
        yield Service(client, configured)


async def test_a_failing_provider_shows_in_errors_breaker_and_holds(failing: Service) -> None:
    await subscribed(failing, "par-1", "pup-1")
    await failing.credit("par-1", 100_00)
    await failing.publish("diary.homework", "c-5a", homework_assigned(text="Стр. 45"))

    async def refused() -> bool:
        found = await metric(failing, 'notifier_sms_provider_errors_total{class="retryable"')
        return found is not None and found >= 1

    assert await wait_for(refused, 20)
    assert await metric(failing, 'notifier_sms_breaker_state{provider="mobizon"}') == 2
    assert await metric(failing, 'notifier_notifications_total{provider="routed",status="retry"}')
    assert await metric(failing, 'notifier_holds_open{currency="KZT"}') == 1
    assert await metric(failing, 'notifier_holds_open_amount{currency="KZT"}') == 20_00
    overview = await ops_json(failing, "GET", "/api/v1/ops/overview")
    assert overview["breakers"]["states"]["mobizon"] == "open"
    assert overview["queue"]["later"] == 1  # waiting for its retry, its money held


async def test_consumer_lag_is_read_from_the_broker(failing: Service) -> None:
    """On the suite's broker (Tansu by default, Apache Kafka with `make test-kafka`)."""
    await subscribed(failing, "par-1", "pup-1")  # roster events consumed and committed
    topic = failing.topic("diary.roster")

    async def caught_up() -> bool:
        lags = [await metric(failing, f'notifier_consumer_lag{{partition="{p}",topic="{topic}"}}')
                for p in range(3)]  # fmt: skip
        return None not in lags and sum(lag or 0 for lag in lags) == 0

    assert await wait_for(caught_up, 20)
    assert await metric(failing, "notifier_consumer_lag_known") == 1


async def test_consumer_lag_counts_what_the_group_has_not_committed(idle: Service) -> None:
    for pupil in ("p-1", "p-2", "p-3"):
        await idle.publish("diary.roster", pupil, pupil_enrolled(pupil))
    topic = idle.topic("diary.roster")
    lags = [await metric(idle, f'notifier_consumer_lag{{partition="{p}",topic="{topic}"}}')
            for p in range(3)]  # fmt: skip
    assert sum(lag or 0 for lag in lags) == 3


async def test_queued_sms_show_in_the_queue_gauges_and_the_overview(unsent: Service) -> None:
    await subscribed(unsent, "par-1", "pup-1")
    await unsent.credit("par-1", 100_00)
    await unsent.publish("diary.homework", "c-5a", homework_assigned(text="Стр. 45"))

    async def queued() -> bool:
        return await metric(unsent, "notifier_outbox_queued") == 1

    assert await wait_for(queued, 20)
    assert (await metric(unsent, "notifier_outbox_oldest_due_seconds") or 0) >= 0
    assert await metric(unsent, 'notifier_holds_open_amount{currency="KZT"}') == 20_00
    overview = await ops_json(unsent, "GET", "/api/v1/ops/overview")
    assert overview["queue"]["due"] == 1
    assert overview["rates"] == []


@pytest.fixture
async def refusing(settings: Settings, mobizon: FakeMobizon) -> AsyncIterator[Service]:
    """Mobizon as the only provider, refusing our sender name: every SMS fails for good."""
    mobizon.alphanames = set()
    configured = with_tokens(settings, sms_routes={"*": ["mobizon"]},
                             mobizon_api_key=SecretStr(mobizon.api_key),
                             mobizon_base_url=mobizon.url)  # fmt: skip
    async with TestClient(TestServer(create_app(configured), host="127.0.0.1")) as client:
        yield Service(client, configured)


async def test_a_failure_counts_in_the_hour_it_happened_not_when_the_sms_was_queued(
    refusing: Service,
) -> None:
    await subscribed(refusing, "par-1", "pup-1")
    await refusing.credit("par-1", 100_00)
    await refusing.publish("diary.homework", "c-5a", homework_assigned(text="Стр. 45"))

    async def failed() -> bool:
        return await _sql(refusing, "SELECT count(*) FROM notifications WHERE status = 'failed'")

    assert await wait_for(failed, 20)
    # Queued two hours ago, as a retried SMS or one that waited for the sending window is.
    await _sql(refusing, "UPDATE notifications SET created_at = created_at - interval '2 hours'")
    overview = await ops_json(refusing, "GET", "/api/v1/ops/overview")
    assert [(f["provider"], f["error_class"], f["count"]) for f in overview["failures"]] == [
        ("mobizon", "permanent", 1)
    ]


async def _sql(service: Service, statement: str) -> Any:
    conn = await asyncpg.connect(service.settings.database_url)
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()
