"""The storm checks themselves can fail: a calm run is clean, and one SMS handed over twice
or never is seen as exactly that."""

from __future__ import annotations

import pytest

from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]


async def test_the_tally_sees_one_sms_twice_and_one_missing(storm: Storm) -> None:
    await storm.seed(classes=4, events=40)
    await storm.start()
    await storm.publish(storm.events, rate=100)
    assert_clean(await storm.verdict("calm"), storm)
    outbox = storm.settings.sms_dev_outbox
    first, *rest = outbox.read_text("utf-8").splitlines()

    outbox.write_text("\n".join([first, first, *rest]) + "\n", "utf-8")
    twice = await storm.tally()
    outbox.write_text("\n".join(rest) + "\n", "utf-8")
    missing = await storm.tally()

    assert (twice.duplicates, twice.same_reference_twice, twice.lost) == (1, 1, 0)
    assert (missing.duplicates, missing.lost) == (0, 1)
