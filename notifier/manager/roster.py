"""Which children a parent may see: only pupils linked to them in `parent_links`."""

from __future__ import annotations

from dataclasses import dataclass

from billing.types import Conn
from notifier.manager.errors import NotFound


@dataclass(frozen=True)
class Child:
    pupil_id: str
    first_name: str
    class_name: str
    school_name: str | None
    school_id: str
    locale: str


_CHILDREN = (
    "SELECT p.id, p.first_name, c.name, s.name, s.id, p.locale FROM parent_links l"
    " JOIN pupils p ON p.id = l.pupil_id JOIN classes c ON c.id = p.class_id"
    " JOIN schools s ON s.id = p.school_id WHERE l.parent_id = $1 AND p.active"
)


async def children(conn: Conn, parent_id: str) -> list[Child]:
    rows = await conn.fetch(_CHILDREN + " ORDER BY p.first_name, p.id", parent_id)
    return [Child(*row.values()) for row in rows]


async def linked_child(conn: Conn, parent_id: str, pupil_id: str) -> Child:
    """The child, or NotFound when it is not linked to this parent (or does not exist)."""
    row = await conn.fetchrow(_CHILDREN + " AND p.id = $2", parent_id, pupil_id)
    if row is None:
        raise NotFound("no such child")
    return Child(*row.values())
