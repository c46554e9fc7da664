"""The machine dies mid-dispatch, and the provider cannot be asked about an SMS whose
acknowledgement never came (as SMPP and Mobizon cannot): the dev provider's lookups are off.

Bursts of whole-class homework are being sent when the service is SIGKILLed, five times.
What was handed over just before a kill cannot be known as sent, so IN_DOUBT_POLICY settles
it: `resend` (the parent may get it twice, charged once) or `fail` (released, not sent again:
the parent may miss it, or have had it free). What a parent and an accountant notice stays
bounded and counted: nothing is lost silently, the money adds up with no hold left open, and
the SMS in doubt are at most the batch in flight of each dispatcher loop at each kill, every
one of them reported by the service (its log) — a duplicate never exceeds that count.
"""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import pytest

from benchmarks.school import homework_events
from notifier.outbox.sending import RESENT
from tests.crash import figures
from tests.crash.harness import Storm

pytestmark = [pytest.mark.crash, pytest.mark.kafka]

KILLS = 5
BATCH = 25  # DISPATCH_BATCH_SIZE: small, so that the bound below says something
LOOPS = 2  # the dispatcher's loops, each with at most one batch in flight (DispatchConfig)
_TOOK_OVER = re.compile(r"took over (\d+) SMS left in flight")


async def _kill_while_sending(storm: Storm) -> None:
    """A burst of whole-class homework per kill; SIGKILL shortly after the handset grew, so
    that each kill lands mid-dispatch, not after the queue drained."""
    service, outbox = storm.services[0], storm.settings.sms_dev_outbox
    bursts = [storm.events[i::KILLS] for i in range(KILLS)]
    for burst in bursts:
        size, waited = _size(outbox), 0.0
        await storm.publish(burst, rate=1000)
        while _size(outbox) == size and waited < 30:  # nothing sent: the checks will say
            await asyncio.sleep(0.02)
            waited += 0.02
        await asyncio.sleep(storm.rng.uniform(0.0, 0.2))
        await storm.restart(service, signal.SIGKILL)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _reported(storm: Storm) -> tuple[int, int]:
    """From every start's log: SMS taken over in doubt after a kill, and SMS sent again
    without asking (each logged before it went)."""
    logs = [p.read_text("utf-8", errors="replace") for p in storm.log_dir.glob("a-*.log")]
    in_doubt = sum(int(n) for text in logs for n in _TOOK_OVER.findall(text))
    return in_doubt, sum(text.count(RESENT) for text in logs)


@pytest.mark.parametrize("policy", ["resend", "fail"])
async def test_sigkill_mid_dispatch_without_lookups_loses_nothing_silently(
    storm: Storm, policy: str
) -> None:
    await storm.seed(classes=40, events=0)
    storm.events = homework_events(storm.school, 120, whole_class_share=1.0, seed=7)
    await storm.start(
        SMS_DEV_LOOKUPS="false", IN_DOUBT_POLICY=policy, DISPATCH_BATCH_SIZE=str(BATCH)
    )

    await _kill_while_sending(storm)

    result = await storm.verdict(f"sigkill x{KILLS} mid-dispatch, no lookups, {policy}")
    in_doubt, resent = _reported(storm)
    conn = await storm.connect()
    try:
        failed_in_doubt = await conn.fetchval(
            "SELECT count(*) FROM notifications WHERE status = 'failed'"
            " AND last_error LIKE 'in doubt, and the provider cannot tell%'"
        )
        failed_not_released = await conn.fetchval(
            "SELECT count(*) FROM notifications n JOIN ledger_holds h ON h.id = n.hold_id"
            " WHERE n.status = 'failed' AND h.status <> 'released'"
        )
    finally:
        await conn.close()
    figures.record(f"CRASH no lookups, {policy}: in_doubt={in_doubt} resent={resent}"
                   f" failed_in_doubt={failed_in_doubt} duplicates={result.duplicates}"
                   f" lost={result.lost} had_free={result.not_recorded_sent}")  # fmt: skip

    assert result.expected > 0
    assert storm.faults["SIGKILL"] == KILLS
    assert 0 < in_doubt <= KILLS * LOOPS * BATCH, "the kills put nothing in doubt, or too much"
    # A parent may notice the SMS in doubt, and only those: twice under `resend`, never
    # (released, not charged) or free under `fail`; everything else is clean.
    noticed = {"duplicates", "same_reference_twice", "lost", "not_recorded_sent"}
    problems = {k: v for k, v in result.problems().items() if k not in noticed}
    assert problems == {}, result.line("storm")
    assert failed_not_released == 0  # nobody pays for an SMS recorded as failed
    if policy == "resend":
        assert (result.lost, result.not_recorded_sent, failed_in_doubt) == (0, 0, 0)
        assert result.duplicates == result.same_reference_twice  # one row, sent again
        assert result.duplicates <= resent <= in_doubt
    else:
        assert (result.duplicates, resent) == (0, 0)
        # Each SMS in doubt was failed: missed (lost, not charged) or had free.
        assert result.lost + result.not_recorded_sent == failed_in_doubt <= in_doubt
