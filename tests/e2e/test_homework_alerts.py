"""Homework assigned in the diary -> subscribed parents get a paid SMS, charged exactly once."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from tests.e2e.conftest import Service
from tests.support import envelope, homework_assigned, received_sms, wait_for

pytestmark = pytest.mark.kafka


async def _subscribed_parent(service: Service, parent: str, pupil: str, **sub: object) -> None:
    await service.enrol_with_parent(pupil, parent)
    await service.wait_linked(parent, pupil)
    body = {"parent_id": parent, "pupil_id": pupil, "phone": "8 701 123 45 67"}
    await service.subscribe(**(body | {"types": ["homework"], "language": "ru"} | sub))


async def _sms_count(service: Service, n: int, timeout: float = 20) -> list[dict[str, object]]:
    outbox = service.settings.sms_dev_outbox

    async def arrived() -> bool:
        return len(received_sms(outbox)) >= n

    assert await wait_for(arrived, timeout), f"expected {n} SMS, got {received_sms(outbox)}"
    return received_sms(outbox)


async def test_parent_receives_homework_sms_and_pays_for_its_parts(service: Service) -> None:
    await _subscribed_parent(service, "par-1", "pup-1")
    await service.credit("par-1", 100_00)

    hw = homework_assigned(text="Стр. 45, № 3–7. Выучить правило на стр. 44.")
    await service.publish("diary.homework", "c-5a", hw)

    [sms] = await _sms_count(service, 1)
    assert sms["to"] == "+77011234567"
    assert "Айгерим" in str(sms["text"])
    assert "Математика" in str(sms["text"])
    assert "Стр. 45" in str(sms["text"])
    assert sms["encoding"] == "UCS-2"
    parts = int(str(sms["parts"]))
    assert sms["price"] == parts * 20_00
    assert sms["currency"] == "KZT"

    async def charged() -> bool:
        w = await service.wallet("par-1")
        return bool(w["held"] == 0)

    assert await wait_for(charged, 10)
    wallet = await service.wallet("par-1")
    assert wallet["available"] == 100_00 - parts * 20_00
    assert wallet["posted"] == 100_00 - parts * 20_00


async def test_same_event_published_twice_sends_and_charges_once(service: Service) -> None:
    await _subscribed_parent(service, "par-2", "pup-2")
    await service.credit("par-2", 100_00)
    hw = homework_assigned()
    await service.publish("diary.homework", "c-5a", hw)
    await service.publish("diary.homework", "c-5a", hw)
    # A different homework afterwards proves the duplicate was consumed, not still pending.
    await service.publish("diary.homework", "c-5a", homework_assigned(text="Упр. 12"))

    sent = await _sms_count(service, 2)
    await asyncio.sleep(0.5)
    assert len(received_sms(service.settings.sms_dev_outbox)) == 2
    spent = sum(int(str(s["price"])) for s in sent)
    assert (await service.wallet("par-2"))["posted"] == 100_00 - spent


async def test_insufficient_balance_is_recorded_not_sent_not_charged(service: Service) -> None:
    await _subscribed_parent(service, "par-3", "pup-3")
    await service.credit("par-3", 10_00)  # less than one part (20.00 KZT)
    hw = homework_assigned()
    await service.publish("diary.homework", "c-5a", hw)

    async def skipped() -> bool:
        conn = await asyncpg.connect(service.settings.database_url)
        try:
            status = await conn.fetchval(
                "SELECT status FROM notifications WHERE parent_id = 'par-3'"
            )
        finally:
            await conn.close()
        return bool(status == "skipped_insufficient_funds")

    assert await wait_for(skipped, 20)
    assert received_sms(service.settings.sms_dev_outbox) == []
    wallet = await service.wallet("par-3")
    assert (wallet["posted"], wallet["held"]) == (10_00, 0)


async def test_kyrgyz_parent_gets_kyrgyz_text_priced_in_som(service: Service) -> None:
    await service.enrol_with_parent(
        "pup-kg", "par-kg", school_country="KG", locale="ky", time_zone="Asia/Bishkek"
    )
    await service.wait_linked("par-kg", "pup-kg")
    await service.subscribe(
        parent_id="par-kg",
        pupil_id="pup-kg",
        phone="0555 123 456",
        types=["homework"],
        language="ky",
    )
    await service.credit("par-kg", 50_00, currency="KGS")
    await service.publish("diary.homework", "c-5a", homework_assigned(subject="Кыргыз тили"))

    [sms] = await _sms_count(service, 1)
    assert sms["to"] == "+996555123456"
    assert sms["currency"] == "KGS"
    assert "Кыргыз тили" in str(sms["text"])
    assert json.dumps(sms, ensure_ascii=False).count("ДЗ по") == 0  # not the Russian template


async def test_an_sms_reported_undeliverable_is_refunded(service: Service) -> None:
    await _subscribed_parent(service, "par-u", "pup-u")
    await service.credit("par-u", 100_00)
    await service.publish("diary.homework", "c-5a", homework_assigned())
    [sms] = await _sms_count(service, 1)

    async def charged() -> bool:
        return bool((await service.wallet("par-u"))["posted"] < 100_00)

    assert await wait_for(charged, 10)
    report = {"provider": "dev", "provider_message_id": f"dev-{sms['id']}",
              "status": "undeliverable", "detail": "absent subscriber"}  # fmt: skip
    unauthorized = await service.client.post("/internal/v1/delivery-reports", json=report)
    assert unauthorized.status == 401
    r = await service.client.post(
        "/internal/v1/delivery-reports", json=report, headers=service.auth
    )
    assert (r.status, (await r.json())["outcome"]) == (200, "refunded")
    assert (await service.wallet("par-u"))["posted"] == 100_00


async def test_homework_published_before_its_class_is_sent_once_the_roster_arrives(
    service: Service,
) -> None:
    """Roster and homework are different topics: homework may come first. It waits (parked)
    instead of vanishing, and the parents get it once the roster catches up."""
    await service.publish("diary.homework", "c-late", homework_assigned(class_id="c-late"))
    await asyncio.sleep(0.5)  # let the consumer see the homework first
    await service.enrol_with_parent("pup-late", "par-late", class_id="c-late")
    await service.wait_linked("par-late", "pup-late")
    await service.subscribe(
        parent_id="par-late", pupil_id="pup-late", phone="87771234568", types=["homework"],
        language="ru",
    )  # fmt: skip
    await service.credit("par-late", 100_00)

    async def delivered() -> bool:
        return len(received_sms(service.settings.sms_dev_outbox)) == 1

    assert await wait_for(delivered, 20), "the parked homework was never applied"
    [sms] = received_sms(service.settings.sms_dev_outbox)
    assert sms["to"] == "+77771234568"
    assert "Математика" in sms["text"]


async def _settled(service: Service) -> None:
    """Wait until every event published so far was consumed and every SMS settled."""

    async def quiet() -> bool:
        conn = await asyncpg.connect(service.settings.database_url)
        try:
            busy = await conn.fetchval(
                "SELECT count(*) FROM notifications WHERE status IN ('queued', 'sending')"
            )
            return bool(busy == 0)
        finally:
            await conn.close()

    await asyncio.sleep(1.0)  # the consumer polls every 200 ms
    assert await wait_for(quiet, 20)


async def test_the_same_homework_republished_with_a_new_event_id_is_sent_once(
    service: Service,
) -> None:
    await _subscribed_parent(service, "par-id", "pup-id")
    await service.credit("par-id", 100_00)
    hw = homework_assigned(homework_id="hw-again")
    await service.publish("diary.homework", "c-5a", hw)
    await _sms_count(service, 1)
    again = homework_assigned(homework_id="hw-again")  # a new event_id, the same homework
    await service.publish("diary.homework", "c-5a", again)
    await _settled(service)
    assert len(received_sms(service.settings.sms_dev_outbox)) == 1


async def test_an_older_version_arriving_after_a_newer_one_is_not_sent(service: Service) -> None:
    await _subscribed_parent(service, "par-old", "pup-old")
    await service.credit("par-old", 100_00)
    old = homework_assigned(homework_id="hw-v", text="Стр. 10", occurred_at="2026-11-20T08:00:00Z")
    new = (
        envelope("homework.updated")
        | {k: v for k, v in old.items() if k not in ("event_id", "event_type", "occurred_at")}
        | {"text": "Стр. 11", "occurred_at": "2026-11-20T09:00:00Z"}
    )
    await service.publish("diary.homework", "c-5a", new)
    await _sms_count(service, 1)
    await service.publish("diary.homework", "c-5a", old)  # late: must not re-send stale text
    await _settled(service)
    [sms] = received_sms(service.settings.sms_dev_outbox)
    assert "Стр. 11" in str(sms["text"])


async def test_a_reused_event_id_with_another_body_is_dead_lettered(service: Service) -> None:
    await _subscribed_parent(service, "par-re", "pup-re")
    await service.credit("par-re", 100_00)
    first = homework_assigned(homework_id="hw-1")
    await service.publish("diary.homework", "c-5a", first)
    await _sms_count(service, 1)
    clash = homework_assigned(homework_id="hw-2") | {"event_id": first["event_id"]}
    await service.publish("diary.homework", "c-5a", clash)

    async def dead_lettered() -> bool:
        metrics = await (await service.client.get("/metrics")).text()
        return 'outcome="dead_lettered",topic="diary.homework"' in metrics or (
            'topic="diary.homework",outcome="dead_lettered"' in metrics
        )

    assert await wait_for(dead_lettered, 20), "the clashing event vanished silently"
    assert len(received_sms(service.settings.sms_dev_outbox)) == 1
