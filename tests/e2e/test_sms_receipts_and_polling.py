"""Reports that are pushed (SMPP deliver_sm receipts) and pulled (Nikita's dr call) end in
the same place: an SMS that never reached the phone is refunded once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateways.sms.base import SmsProvider
from gateways.sms.nikita import NikitaConfig, NikitaProvider
from gateways.sms.smpp import SmppProvider
from gateways.sms.smpp_session import SmppConfig
from notifier.app import create_app
from notifier.outbox.parts import PgParts
from notifier.outbox.reports import poll_nikita, report_sink
from notifier.settings import Settings
from tests.e2e.conftest import Service
from tests.fakes.nikita import FakeNikita
from tests.fakes.smsc import FakeSmsc
from tests.support import homework_assigned, wait_for

pytest_plugins = ("tests.fakes.fixtures",)

pytestmark = pytest.mark.kafka


@asynccontextmanager
async def _running(settings: Settings, provider: SmsProvider) -> AsyncIterator[Service]:
    app = create_app(settings, sms_provider=provider)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Service(client, settings)


async def _homework_paid(service: Service, phone: str, currency: str, sent: object) -> int:
    await service.enrol_with_parent("pup-1", "par-1")
    await service.wait_linked("par-1", "pup-1")
    await service.subscribe(parent_id="par-1", pupil_id="pup-1", phone=phone,
                            types=["homework"], language="ru")  # fmt: skip
    await service.credit("par-1", 100_00, currency)
    await service.publish("diary.homework", "c-5a", homework_assigned())

    async def charged() -> bool:
        return bool(sent) and (await service.wallet("par-1"))["held"] == 0

    assert await wait_for(charged, 20), "the SMS was never handed over"
    posted = (await service.wallet("par-1"))["posted"]
    assert posted < 100_00
    return int(posted)


async def test_an_smpp_receipt_saying_undeliverable_refunds_the_parent(
    settings: Settings, pool: asyncpg.Pool, smsc: FakeSmsc
) -> None:
    sink = report_sink(pool, policy="refund")
    config = SmppConfig("127.0.0.1", smsc.port, "school", "pw", receipt_ids="decimal_of_hex")
    provider = SmppProvider(config, on_report=sink, parts=PgParts(pool))
    async with _running(settings, provider) as service:
        await _homework_paid(service, "8 701 123 45 67", "KZT", smsc.submitted)
        for part in smsc.submitted:  # every part fails: SMSCs write ids in decimal too
            assert part.message_id is not None
            await smsc.receipt(str(int(part.message_id, 16)), "UNDELIV")

        async def refunded() -> bool:
            return bool((await service.wallet("par-1"))["posted"] == 100_00)

        assert await wait_for(refunded, 10)


async def test_a_nikita_report_pulled_by_the_poller_refunds_the_parent(
    settings: Settings, pool: asyncpg.Pool, nikita: FakeNikita
) -> None:
    config = NikitaConfig(nikita.login, nikita.password, "eMektep", base_url=nikita.url)
    provider = NikitaProvider(config)
    async with _running(settings, provider) as service:
        await _homework_paid(service, "+996 555 123 456", "KGS", nikita.messages)
        since = datetime.now(UTC) - timedelta(hours=1)
        assert await poll_nikita(pool, provider, since=since, policy="refund") == 0  # queued
        [message] = nikita.messages.values()
        message.report = 4  # "not delivered"
        assert await poll_nikita(pool, provider, since=since, policy="refund") == 1
        assert await poll_nikita(pool, provider, since=since, policy="refund") == 0
        assert (await service.wallet("par-1"))["posted"] == 100_00
