"""The dev provider answers status lookups like a real provider: from everything it accepted,
whichever replica handed it over and whenever; and a send returns only once its SMS is on the
"handset"."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from gateways.sms import DevSmsProvider, LookupUnsupported, OutgoingSms


def _sms(reference: str) -> OutgoingSms:
    return OutgoingSms(
        reference=reference, phone="+77011234567", body="Стр. 45", parts=1, encoding="UCS-2",
        price=2000, currency="KZT", sender="eMektep",
    )  # fmt: skip


async def test_a_replica_sees_what_another_handed_over_after_its_first_lookup(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "sms.jsonl"
    a = DevSmsProvider(outbox, io.StringIO())
    b = DevSmsProvider(outbox, io.StringIO())
    assert await b.lookup("n1") is None  # b has looked once already

    await a.send(_sms("n1"))
    await a.close()

    found = await b.lookup("n1")
    assert found is not None
    assert found.provider_message_id == "dev-n1"
    assert await b.lookup("n2") is None


async def test_a_line_torn_by_a_killed_writer_was_never_accepted(tmp_path: Path) -> None:
    outbox = tmp_path / "sms.jsonl"
    outbox.write_text('{"id": "n7", "message_id": "dev-n7"}\n{"id": "n8", "mess', "utf-8")

    provider = DevSmsProvider(outbox, io.StringIO())

    assert await provider.lookup("n7") is not None
    assert await provider.lookup("n8") is None


async def test_each_of_many_concurrent_sends_is_on_the_handset_when_it_returns(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "sms.jsonl"
    provider = DevSmsProvider(outbox, io.StringIO())
    seen: dict[str, bool] = {}

    async def send(reference: str) -> None:
        await provider.send(_sms(reference))
        seen[reference] = f'"id": "{reference}"' in outbox.read_text("utf-8")

    await asyncio.gather(*(send(f"n{i}") for i in range(50)))
    await provider.close()

    assert seen == {f"n{i}": True for i in range(50)}
    assert len(outbox.read_text("utf-8").splitlines()) == 50


async def test_a_send_that_could_not_be_written_fails_and_is_not_accepted(tmp_path: Path) -> None:
    outbox = tmp_path / "sms.jsonl"
    outbox.mkdir()  # a directory where the file should be: the write fails
    provider = DevSmsProvider(outbox, io.StringIO())

    with pytest.raises(IsADirectoryError):
        await provider.send(_sms("n1"))
    outbox.rmdir()
    assert await provider.lookup("n1") is None


async def test_a_console_that_fails_does_not_fail_a_send_already_written(tmp_path: Path) -> None:
    console = io.StringIO()
    console.close()  # printing to it raises ValueError
    provider = DevSmsProvider(tmp_path / "sms.jsonl", console)

    result = await provider.send(_sms("n1"))
    await provider.close()

    assert result.provider_message_id == "dev-n1"


async def test_with_lookups_switched_off_it_cannot_be_asked_even_about_what_it_has(
    tmp_path: Path,
) -> None:
    provider = DevSmsProvider(tmp_path / "sms.jsonl", io.StringIO(), lookups=False)
    await provider.send(_sms("n1"))
    await provider.close()

    with pytest.raises(LookupUnsupported):
        await provider.lookup("n1")
