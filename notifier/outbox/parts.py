"""The parts of long SMPP messages in PostgreSQL (table sms_parts, migration 0009): the
durable PartStore, so a part's receipt judged after a restart still sees the other parts."""

from __future__ import annotations

from typing import cast

import asyncpg

from gateways.sms.reports import FINAL, ReportStatus
from gateways.sms.smpp_receipts import Tracked, id_candidates, verdict

_FIND = "SELECT part_id, message_id FROM sms_parts WHERE provider = $1 AND part_id = ANY($2)"
# All of the message's parts, locked in one order: two parts' receipts judged at once wait
# for each other instead of both missing the other's state.
_LOCK = (
    "SELECT part_id, status FROM sms_parts WHERE provider = $1 AND message_id = $2"
    " ORDER BY part_no FOR UPDATE"
)


class PgParts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def register(self, provider: str, part_ids: list[str]) -> None:
        await self._pool.execute(
            "INSERT INTO sms_parts (provider, part_id, message_id, part_no)"
            " SELECT $1, p.id, $2, p.n FROM unnest($3::text[]) WITH ORDINALITY AS p(id, n)"
            " ON CONFLICT DO NOTHING",
            provider,
            part_ids[0],
            part_ids,
        )

    async def receipt(self, provider: str, receipt_id: str, status: ReportStatus) -> Tracked | None:
        async with self._pool.acquire() as conn, conn.transaction():
            found = await conn.fetchrow(_FIND, provider, id_candidates(receipt_id))
            if found is None:
                return None
            message_id, part = found["message_id"], found["part_id"]
            states = {r["part_id"]: r["status"] for r in await conn.fetch(_LOCK, provider,
                                                                        message_id)}  # fmt: skip
            if verdict(_statuses(states)) is not None:
                return message_id, None  # decided by earlier receipts: nothing changes
            if status in FINAL and states[part] is None:  # a part's first final state sticks
                await conn.execute(
                    "UPDATE sms_parts SET status = $3 WHERE provider = $1 AND part_id = $2",
                    provider, part, status,
                )  # fmt: skip
                states[part] = status
            return message_id, verdict(_statuses(states))


def _statuses(states: dict[str, str | None]) -> list[ReportStatus | None]:
    return [cast("ReportStatus | None", s) for s in states.values()]
