"""Sends queued SMS through the provider and settles each one's hold exactly once:
accepted -> captured (charged); refused or out of retries -> released (not charged).

A claimed row is leased to this instance (its queue row's `lease_owner`, until its `due_at`,
renewed while its batch is in flight; notifier/outbox/queue.py); another instance takes it
over only once the lease has run out, and then as *in doubt*: the provider is asked by our
reference before anything is sent again. Sends run concurrently (at most `max_in_flight`),
and each batch is settled in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import asyncpg

from gateways.sms import SmsProvider
from notifier.clock import Clock
from notifier.metrics import Metrics
from notifier.outbox.delivery import UndeliverablePolicy
from notifier.outbox.lowbalance import LowBalancePolicy, check_low_balances
from notifier.outbox.queue import planned_now
from notifier.outbox.sending import InDoubtPolicy, Outcome, deliver
from notifier.outbox.settle import settle
from notifier.sms.phones import mask_phone
from notifier.transient import is_conflict, is_transient, retry_transaction

log = logging.getLogger(__name__)
T = TypeVar("T")

# Claims touch the narrow queue alone (notifier/outbox/queue.py): a due row is leased by
# moving its due time to the end of the lease. A row still leased past its lease (its owner
# died or stalled) is due again, and whoever claims it takes it over in doubt.
# The batch's queue rows are found by their ids (`= ANY (ARRAY(...))`), and the claim is
# planned for the queue as it is when it runs (`planned_now`): a plan made for the queue of a
# quiet moment hashed or seq-scanned the whole queue for each batch of a Friday.
# Each outbox row is then looked up by its key (id, created_at), one index lookup in its own
# month's partition (README, "Retention and archiving": a year of months must not slow the
# queue down). The lateral subquery's LIMIT keeps the planner from turning it into a join: a
# join hashed whole partitions, and a join on the ids' array re-read the whole batch for each
# row (500 x 500 rows, 40 ms a claim).
_CLAIM = """
WITH d AS MATERIALIZED (
  SELECT notification_id, lease_owner IS NOT NULL AS taken_over FROM outbox_queue
   WHERE due_at <= $1 ORDER BY due_at, notification_id LIMIT $2
   FOR UPDATE SKIP LOCKED),
c AS (
  UPDATE outbox_queue q SET lease_owner = $3, due_at = $1::timestamptz + $4::interval,
         attempts = q.attempts + 1, in_doubt = q.in_doubt OR d.taken_over
    FROM d
   WHERE q.notification_id = d.notification_id
     AND q.notification_id = ANY (ARRAY(SELECT notification_id FROM d))
  RETURNING q.notification_id, q.created_at, q.attempts, q.in_doubt, q.in_doubt_provider,
            d.taken_over)
SELECT n.id, n.parent_id, n.phone, n.body, n.parts, n.encoding, n.price, n.currency, n.hold_id,
       c.attempts, n.kind, c.in_doubt, c.in_doubt_provider, c.taken_over
  FROM c CROSS JOIN LATERAL (
         SELECT * FROM notifications o
          WHERE o.id = c.notification_id AND o.created_at = c.created_at LIMIT 1) n
 ORDER BY n.id
"""

# Rows leased to an instance that is gone (`$2`: this one in a previous life, or on its way
# out) or whose lease ran out go back to the queue at once, in doubt (at the provider a
# previous attempt was in doubt at, if one was: the row keeps it).
_RECLAIM = """
UPDATE outbox_queue SET in_doubt = true, due_at = $1, lease_owner = NULL
 WHERE notification_id IN (SELECT notification_id FROM outbox_queue
               WHERE lease_owner IS NOT NULL AND (due_at < $1 OR lease_owner = $2)
               ORDER BY notification_id FOR UPDATE)
   AND lease_owner IS NOT NULL AND (due_at < $1 OR lease_owner = $2)
"""

# In id order, as settle locks them: renewing and settling one batch never deadlock.
_RENEW = """
UPDATE outbox_queue SET due_at = $3::timestamptz + $4::interval
 WHERE notification_id = ANY (ARRAY(SELECT notification_id FROM outbox_queue
               WHERE notification_id = ANY ($1::bigint[]) AND lease_owner = $2
               ORDER BY notification_id FOR UPDATE))
"""


_TAKEN_OVER = "each is looked up before sending (IN_DOUBT_POLICY if the provider cannot tell)"


@dataclass(frozen=True)
class DispatchConfig:
    owner: str  # this instance; unique per running process unless INSTANCE_ID is set
    sender: str
    batch_size: int = 200
    max_attempts: int = 5
    lease: timedelta = timedelta(seconds=30)
    max_in_flight: int = 100
    send_timeout: float = 10.0
    in_doubt_policy: InDoubtPolicy = "resend"
    workers: int = 2
    undeliverable_policy: UndeliverablePolicy = "refund"  # for receipts that came early


class Dispatcher:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        provider: SmsProvider,
        clock: Clock,
        metrics: Metrics,
        config: DispatchConfig,
        low_balance: LowBalancePolicy | None = None,
        beat: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool, self._provider, self._clock, self._metrics = pool, provider, clock, metrics
        self._config, self._low_balance, self.beat = config, low_balance, beat
        self._in_flight = asyncio.Semaphore(config.max_in_flight)
        self._stopping = asyncio.Event()
        self.wakeup = asyncio.Event()

    def stop(self) -> None:
        """Take no new batch; the one in flight is finished and settled."""
        self._stopping.set()
        self.wakeup.set()

    async def run(self, poll_seconds: float) -> None:
        """`workers` loops claim batches side by side (one sends while another settles)."""
        await self.reclaim(own=True)  # our own rows from a previous life (same INSTANCE_ID)
        async with asyncio.TaskGroup() as group:  # one failing stops the others
            for _ in range(self._config.workers):
                group.create_task(self._work(poll_seconds))

    async def _work(self, poll_seconds: float) -> None:
        while not self._stopping.is_set():
            self.beat()
            if await self.dispatch_once() == self._config.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=poll_seconds)
            self.wakeup.clear()

    async def reclaim(self, *, own: bool = False) -> int:
        """Put rows whose lease ran out (and with `own`, rows this instance leased in a
        previous life) back in the queue as in doubt; returns how many. (Claiming takes
        over rows whose lease ran out by itself; this is for a restart and a shutdown.)"""
        owner = self._config.owner if own else None

        async def transaction() -> str:
            async with planned_now(self._pool) as conn:
                return await conn.execute(_RECLAIM, self._clock.now(), owner)

        result = await self._retrying("reclaim", transaction)
        count = int(result.split()[-1])
        if count:
            log.warning("took over %d SMS left in flight; %s", count, _TAKEN_OVER)
        return count

    async def dispatch_once(self) -> int:
        """Claim, send and settle one batch; returns how many rows were claimed."""
        c = self._config

        async def transaction() -> list[asyncpg.Record]:
            async with planned_now(self._pool) as conn:
                return await conn.fetch(_CLAIM, self._clock.now(), c.batch_size, c.owner, c.lease)

        rows = await self._retrying("claim", transaction)
        if not rows:
            return 0
        if taken := sum(r["taken_over"] for r in rows):
            log.warning("took over %d SMS left in flight; %s", taken, _TAKEN_OVER)
        keeper = asyncio.create_task(self._keep_leases([r["id"] for r in rows]))
        try:
            outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
            await self._settle(outcomes)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        return len(rows)

    async def _deliver(self, row: asyncpg.Record) -> Outcome:
        c = self._config
        async with self._in_flight:
            return await deliver(
                self._provider, row, sender=c.sender, timeout=c.send_timeout,
                in_doubt_policy=c.in_doubt_policy,
            )  # fmt: skip

    async def _settle(self, outcomes: Sequence[Outcome]) -> None:
        """One transaction, run again where it failed: a settle that fails would stop the
        loop, and the restart would put every SMS this instance has in flight in doubt. The
        leases are kept meanwhile (the keeper runs until this returns)."""
        now = self._clock.now()

        async def transaction() -> None:
            async with self._pool.acquire() as conn, conn.transaction():
                c = self._config
                charged = await settle(
                    conn, c.owner, outcomes, now, c.max_attempts, c.undeliverable_policy
                )
                if self._low_balance is not None:
                    await check_low_balances(conn, charged, now, self._low_balance)

        # Any transient failure, not only a deadlock: settling twice changes nothing.
        await self._retrying("settle", transaction, retry_if=is_transient)
        self._count(outcomes)

    async def _retrying(
        self,
        step: str,
        transaction: Callable[[], Awaitable[T]],
        retry_if: Callable[[BaseException], bool] = is_conflict,
    ) -> T:
        retries = self._metrics.retries.labels(step)
        return await retry_transaction(
            transaction, what=step, retry_if=retry_if, on_retry=retries.inc
        )

    def _count(self, outcomes: Sequence[Outcome]) -> None:
        """Metrics once per batch and label (~3,000 SMS/s: not one increment per SMS)."""
        tally = Counter((_status(o), o.provider or "-") for o in outcomes)
        for (status, provider), count in tally.items():
            self._metrics.notifications.labels(status, provider).inc(count)
        for status, count in Counter(_status(o) for o in outcomes).items():
            self._metrics.sms.labels(status).inc(count)
        self._metrics.sms_parts.inc(
            sum(o.row["parts"] for o in outcomes if o.verdict == "accepted")
        )
        for o in outcomes:
            if o.verdict != "accepted" and (o.verdict != "in_doubt" or o.error):
                log.warning("SMS %s to %s: %s: %s", o.row["id"], mask_phone(o.row["phone"]),
                            o.verdict, o.error)  # fmt: skip
        # In doubt, and the provider cannot be asked: may have arrived twice (resend; each is
        # logged before it goes, notifier/outbox/sending.py) or free (fail; logged above).
        if unasked := sum(o.unasked for o in outcomes):
            self._metrics.sms_in_doubt_unasked.labels(self._config.in_doubt_policy).inc(unasked)

    async def _keep_leases(self, ids: list[int]) -> None:
        """Renew the batch's leases while it is in flight (a slow provider must not make
        another instance take it over)."""
        c = self._config
        while True:
            await asyncio.sleep(c.lease.total_seconds() / 3)
            try:
                async with planned_now(self._pool) as conn:
                    await conn.execute(_RENEW, ids, c.owner, self._clock.now(), c.lease)
            except Exception as exc:  # the next tick tries again; the batch goes on
                if not is_transient(exc):
                    raise
                self._metrics.retries.labels("lease").inc()
                log.warning("could not renew the leases of a batch in flight: %r", exc)

    async def hand_back(self) -> int:
        """On shutdown: rows still leased to us go back to the queue, in doubt."""
        return await self.reclaim(own=True)


def _status(o: Outcome) -> str:
    return "sent" if o.verdict == "accepted" else o.verdict
