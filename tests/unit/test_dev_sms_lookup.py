"""The dev provider answers status lookups like a real provider: from everything it accepted,
whichever replica handed it over and whenever."""

from __future__ import annotations

import io
from pathlib import Path

from gateways.sms import DevSmsProvider, OutgoingSms


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
