"""A parent's top-ups as they may see them: only their own, newest first."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from billing.topup_store import TopUp, from_row
from billing.types import Conn


async def parent_top_up(conn: Conn, parent_id: str, top_up_id: UUID) -> TopUp | None:
    """The top-up if it is this parent's; None otherwise (another's looks like none)."""
    row = await conn.fetchrow(
        "SELECT * FROM top_ups WHERE id = $1 AND parent_id = $2", top_up_id, parent_id
    )
    return from_row(row) if row else None


async def parent_top_ups(
    conn: Conn, parent_id: str, *, limit: int, after: tuple[datetime, UUID] | None
) -> list[TopUp]:
    """Up to `limit` top-ups older than `after` (created_at, id), newest first."""
    rows = await conn.fetch(
        "SELECT * FROM top_ups WHERE parent_id = $1"
        " AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))"
        " ORDER BY created_at DESC, id DESC LIMIT $4",
        parent_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [from_row(row) for row in rows]


async def gateway_payment_ids(
    conn: Conn, gateway: str, since: datetime, until: datetime
) -> list[str]:
    """Payment ids of a gateway's top-ups created or changed in [since, until)."""
    rows = await conn.fetch(
        "SELECT gateway_payment_id FROM top_ups WHERE gateway = $1"
        " AND gateway_payment_id IS NOT NULL AND created_at < $3"
        " AND (created_at >= $2 OR updated_at >= $2) ORDER BY created_at",
        gateway,
        since,
        until,
    )
    return [row["gateway_payment_id"] for row in rows]
