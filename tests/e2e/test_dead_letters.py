"""Bad messages land in the dead-letter topic with a reason; the next valid one is processed."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaConsumer

from notifier.settings import Settings
from tests.dead_letter_cases import CASES
from tests.e2e.conftest import Service
from tests.support import envelope, homework_assigned, pupil_enrolled, received_sms, wait_for

pytestmark = pytest.mark.kafka


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Events naming a pupil or class not in the roster yet wait this long for it.
    return settings.model_copy(update={"roster_wait_seconds": 2})


async def _dead_letters(
    service: Service, base: str, n: int
) -> list[tuple[bytes | None, dict[str, str]]]:
    consumer = AIOKafkaConsumer(
        service.topic(base + ".dlq"),
        bootstrap_servers=service.settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[tuple[bytes | None, dict[str, str]]] = []
    try:
        async with asyncio.timeout(20):
            while len(found) < n:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [(r.value, {k: v.decode() for k, v in r.headers}) for r in records]
    finally:
        await consumer.stop()
    return found


async def test_poison_messages_are_dead_lettered_with_reasons(service: Service) -> None:
    missing_field = homework_assigned()
    del missing_field["class_id"]
    unknown_type = envelope("homework.exploded") | {"homework_id": "hw-x"}
    await service.publish("diary.homework", "c-5a", b"{not json")
    await service.publish("diary.homework", "c-5a", missing_field)
    await service.publish("diary.homework", "c-5a", unknown_type)

    letters = await _dead_letters(service, "diary.homework", 3)

    reasons = [headers["dlq.reason"] for _, headers in letters]
    assert "JSON" in reasons[0]
    assert "class_id" in reasons[1]
    assert "homework.exploded" in reasons[2]
    assert letters[0][0] == b"{not json"  # the original bytes, untouched
    assert {h["dlq.original_topic"] for _, h in letters} == {service.topic("diary.homework")}
    assert [int(h["dlq.original_offset"]) for _, h in letters] == [0, 1, 2]


async def test_a_tombstone_is_dead_lettered_as_one_not_skipped(service: Service) -> None:
    """A null value on a consumed topic is no event; it is set aside with a reason, kept null."""
    await service.publish("diary.homework", "c-5a", None)
    await service.publish("diary.roster", "p-1", None)
    for base in ("diary.homework", "diary.roster"):
        [(value, headers)] = await _dead_letters(service, base, 1)
        assert value is None, "the dead letter is a tombstone too: a re-drive sends it as it was"
        assert headers["dlq.reason"] == "no value (a tombstone): expected a JSON object"
        assert headers["dlq.original_offset"] == "0"


async def test_a_valid_message_after_poison_is_still_processed(service: Service) -> None:
    await service.publish("diary.roster", "p-9", b"\xff\xfe garbage")
    await service.enrol_with_parent("p-9", "par-9")

    await service.wait_linked("par-9", "p-9")
    sub = await service.subscribe(
        parent_id="par-9", pupil_id="p-9", phone="+7 (705) 111-22-33", types=["homework"],
        language="kk",
    )  # fmt: skip
    assert sub["phone"] == "+77051112233"
    await service.credit("par-9", 100_00)
    await service.publish("diary.homework", "c-5a", homework_assigned())

    async def delivered() -> bool:
        return len(received_sms(service.settings.sms_dev_outbox)) == 1

    assert await wait_for(delivered, 20)
    [letter] = await _dead_letters(service, "diary.roster", 1)
    assert "not valid UTF-8" in letter[1]["dlq.reason"]


async def test_a_link_to_a_pupil_that_never_comes_is_dead_lettered_after_the_wait(
    service: Service,
) -> None:
    await service.publish(
        "diary.roster", "ghost", envelope("parent.linked") | {"parent_id": "p", "pupil_id": "ghost"}
    )
    [(value, headers)] = await _dead_letters(service, "diary.roster", 1)
    assert "unknown pupil" in headers["dlq.reason"]
    assert "waited 2 s for the roster" in headers["dlq.reason"]
    assert json.loads(value)["pupil_id"] == "ghost"
    await service.publish("diary.roster", "ok", pupil_enrolled("ok"))


async def test_every_case_the_schema_files_must_flag_is_dead_lettered(service: Service) -> None:
    consumed = ("diary.roster", "diary.homework", "diary.grades")
    cases = [(case, topic, message) for case, topic, message in CASES if topic in consumed]
    for case, topic, message in cases:
        await service.publish(topic, case, message)
    for topic in consumed:
        sent = sorted(json.dumps(m, sort_keys=True) for _, t, m in cases if t == topic)
        letters = await _dead_letters(service, topic, len(sent))
        assert sorted(json.dumps(json.loads(v), sort_keys=True) for v, _ in letters) == sent
