"""Issue 16's burst with a provider that cannot be asked (as SMPP and Mobizon): the dev
provider's lookups are off, and no fault is injected.

A burst of whole-class homework, then steady single-pupil events while it is still being
sent: the consumer's batches and the dispatcher's settles take the same wallets, holds and
outbox rows at once. Under that load a deadlock had failed the dispatcher whole; its
restart took over every SMS it had in flight, in doubt, and with nobody to ask each would be
sent again (`resend`) or dropped (`fail`). Now every SMS reaches the handset exactly once,
none is ever in doubt, and no loop restarts: the service's log shows no deadlock at all.
"""

from __future__ import annotations

import pytest

from benchmarks.school import homework_events
from tests.crash.harness import Storm, assert_clean

pytestmark = [pytest.mark.crash, pytest.mark.kafka]


async def test_a_burst_without_lookups_sends_every_sms_once_and_none_in_doubt(
    storm: Storm,
) -> None:
    await storm.seed(classes=300, events=0)
    burst = homework_events(storm.school, 300, whole_class_share=1.0, seed=1)
    steady = homework_events(storm.school, 3000, whole_class_share=0.0, seed=2)
    storm.events = burst + steady
    await storm.start(SMS_DEV_LOOKUPS="false", IN_DOUBT_POLICY="resend")

    await storm.publish(burst, rate=5000)
    await storm.publish(steady, rate=500)

    result = await storm.verdict("burst then steady, no lookups, no faults")
    assert_clean(result, storm)
    assert result.expected > 10_000, "the burst is too small to say anything"
    log = storm.services[0].log_path.read_text("utf-8", errors="replace")
    for sign in ("took over", "deadlock detected", "restarting in", "in doubt"):
        assert sign not in log, f"{sign!r} in {storm.services[0].log_path}"
