"""Sends queued SMS through the provider and settles each one's hold exactly once:
accepted -> captured (charged); refused or out of retries -> released (not charged)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import asyncpg

from billing.delivery import reverse_house_sms
from billing.errors import HoldAlreadyResolved
from billing.holds import capture_hold, release_hold
from gateways.sms import OutgoingSms, SmsProvider, SmsRejected, SmsTemporaryFailure
from notifier.clock import Clock
from notifier.metrics import Metrics
from notifier.outbox.lowbalance import LowBalancePolicy, check_low_balance
from notifier.sms.phones import mask_phone

log = logging.getLogger(__name__)

_CLAIM = """
UPDATE notifications n SET status = 'sending', attempts = attempts + 1
 WHERE id IN (SELECT id FROM notifications WHERE status = 'queued' AND next_attempt_at <= $1
              ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING id, parent_id, phone, body, parts, encoding, price, currency, hold_id, attempts
"""


class Dispatcher:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        provider: SmsProvider,
        clock: Clock,
        metrics: Metrics,
        sender: str,
        batch_size: int = 50,
        max_attempts: int = 5,
        low_balance: LowBalancePolicy | None = None,
    ) -> None:
        self._low_balance = low_balance
        self._pool, self._provider, self._clock, self._metrics = pool, provider, clock, metrics
        self._sender, self._batch, self._max_attempts = sender, batch_size, max_attempts
        self.wakeup = asyncio.Event()

    async def run(self, poll_seconds: float) -> None:
        await self.recover_interrupted()
        while True:
            while await self.dispatch_once():
                pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=poll_seconds)
            self.wakeup.clear()

    async def recover_interrupted(self) -> int:
        """Rows left 'sending' by a crash go back to the queue (the provider gets our reference
        again, so a provider that deduplicates on it sends once)."""
        result = await self._pool.execute(
            "UPDATE notifications SET status = 'queued' WHERE status = 'sending'"
        )
        return int(result.split()[-1])

    async def dispatch_once(self) -> int:
        """Claim and send one batch; returns how many were claimed."""
        rows = await self._pool.fetch(_CLAIM, self._clock.now(), self._batch)
        await asyncio.gather(*(self._send(row) for row in rows))
        return len(rows)

    async def _send(self, row: asyncpg.Record) -> None:
        sms = OutgoingSms(
            reference=f"n{row['id']}",
            phone=row["phone"],
            body=row["body"],
            parts=row["parts"],
            encoding=row["encoding"],
            price=row["price"],
            currency=row["currency"],
            sender=self._sender,
        )
        try:
            result = await self._provider.send(sms)
        except SmsRejected as exc:
            await self._fail(row, f"rejected by {exc.provider}: {exc}")
        except (SmsTemporaryFailure, OSError, TimeoutError) as exc:
            await self._retry_or_fail(row, f"{type(exc).__name__}: {exc}")
        else:
            await self._sent(row, result.provider_message_id)

    async def _sent(self, row: asyncpg.Record, provider_message_id: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            if row["hold_id"] is not None:
                try:
                    await capture_hold(conn, row["hold_id"])
                except HoldAlreadyResolved as exc:
                    log.error("sent notification %s but its hold was %s", row["id"], exc.status)
                else:
                    if self._low_balance is not None:
                        await check_low_balance(
                            conn, row["parent_id"], self._clock.now(), self._low_balance
                        )
            await conn.execute(
                "UPDATE notifications SET status = 'sent', sent_at = $2, provider = $3,"
                " provider_message_id = $4, last_error = NULL WHERE id = $1",
                row["id"],
                self._clock.now(),
                self._provider.name,
                provider_message_id,
            )
        self._metrics.sms.labels("sent").inc()
        self._metrics.sms_parts.inc(row["parts"])

    async def _retry_or_fail(self, row: asyncpg.Record, error: str) -> None:
        if row["attempts"] >= self._max_attempts:
            await self._fail(row, f"gave up after {row['attempts']} attempts: {error}")
            return
        delay = timedelta(seconds=min(2 ** row["attempts"] * 5, 3600))
        await self._pool.execute(
            "UPDATE notifications SET status = 'queued', next_attempt_at = $2, last_error = $3"
            " WHERE id = $1",
            row["id"],
            self._clock.now() + delay,
            error,
        )
        log.warning("SMS %s to %s will be retried: %s", row["id"], mask_phone(row["phone"]), error)
        self._metrics.sms.labels("retried").inc()

    async def _fail(self, row: asyncpg.Record, error: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            if row["hold_id"] is not None:
                with contextlib.suppress(HoldAlreadyResolved):
                    await release_hold(conn, row["hold_id"], error[:200])
            else:  # a free SMS: the house paid when it was queued; it was never sent
                await reverse_house_sms(conn, row["id"])
            await conn.execute(
                "UPDATE notifications SET status = 'failed', last_error = $2 WHERE id = $1",
                row["id"],
                error,
            )
        log.warning("SMS %s to %s failed: %s", row["id"], mask_phone(row["phone"]), error)
        self._metrics.sms.labels("failed").inc()
