"""A partition batch of roster events applied whole: a country's initial load (millions of
`pupil.enrolled` and `parent.linked`) in a few statements per batch instead of a few per event.

It gives exactly what apply_roster_event gives event by event, in order: each school and class
ends as its last event in the batch says (a school's name as its last event naming it), a
pupil never moves back in time (`as_of`), and a link whose pupil is neither known nor enrolled
earlier in the batch is not yet known (the batch is then applied record by record, and that
link parked). Rows are written in key order, and a school or class row is locked only when
the batch changes it: the partitions' batches, which all name the same schools, neither wait
for each other's commits nor deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from pydantic import BaseModel

from billing.types import Conn
from notifier.errors import NotYetKnown
from notifier.handlers import HandlerContext
from notifier.outbox.enqueue import PendingSms
from schemas import ParentLinked, ParentUnlinked, PupilEnrolled, PupilLeft, PupilUpdated

Profile = PupilEnrolled | PupilUpdated
Link = ParentLinked | ParentUnlinked
E = TypeVar("E", bound=Profile | PupilLeft | Link)

# Schools and classes: new ones inserted, then only those the batch changes updated. An
# initial load names each school in thousands of events across every partition; a row lock
# taken for nothing (as ON CONFLICT DO UPDATE takes one even when its WHERE is false) would
# make the partitions' batches wait for each other's commits, one at a time.
_NEW_SCHOOLS = (
    "INSERT INTO schools (id, name, country, time_zone)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
    " ON CONFLICT (id) DO NOTHING"
)
_CHANGED_SCHOOLS = (
    "UPDATE schools s SET name = coalesce(x.name, s.name), country = x.country,"
    " time_zone = x.time_zone, updated_at = now()"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, name, country,"
    " time_zone) WHERE s.id = x.id AND (s.name, s.country, s.time_zone)"
    " IS DISTINCT FROM (coalesce(x.name, s.name), x.country, x.time_zone)"
)
_NEW_CLASSES = (
    "INSERT INTO classes (id, school_id, name)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (id) DO NOTHING"
)
_CHANGED_CLASSES = (
    "UPDATE classes c SET name = x.name"
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, school_id, name)"
    " WHERE c.id = x.id AND c.name <> x.name"
)
# as_of guards against a replayed older event moving the pupil back in time.
SAVE_PUPILS = (
    "INSERT INTO pupils AS p (id, school_id, class_id, first_name, locale, time_zone, as_of)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::timestamptz[]) ON CONFLICT (id) DO UPDATE SET"
    " school_id = EXCLUDED.school_id, class_id = EXCLUDED.class_id,"
    " first_name = EXCLUDED.first_name, locale = EXCLUDED.locale,"
    " time_zone = EXCLUDED.time_zone, active = true, as_of = EXCLUDED.as_of"
    " WHERE p.as_of <= EXCLUDED.as_of"
)
_LEAVE = (
    "UPDATE pupils p SET active = false, as_of = x.at"
    " FROM unnest($1::text[], $2::timestamptz[]) AS x(id, at) WHERE p.id = x.id AND p.as_of <= x.at"
)
_LINK = (
    "INSERT INTO parent_links (parent_id, pupil_id, linked_at)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) ON CONFLICT DO NOTHING"
)
# A parent who is no longer linked must stop receiving (and paying for) this child's news.
_UNLINK = (
    "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[]) AS x(parent_id, pupil_id)),"
    " gone AS (DELETE FROM parent_links l USING x"
    " WHERE (l.parent_id, l.pupil_id) = (x.parent_id, x.pupil_id))"
    " UPDATE subscriptions s SET active = false, updated_at = now() FROM x"
    " WHERE (s.parent_id, s.pupil_id) = (x.parent_id, x.pupil_id)"
)


def fits(events: Sequence[BaseModel]) -> bool:
    """Each pupil enrolled, updated or gone at most once in the batch, and each (parent,
    pupil) linked or unlinked at most once: two changes of one row are applied one by one."""
    batch = _Split(events)
    pupils = [e.pupil_id for e in batch.profiles] + [e.pupil_id for e in batch.left]
    links = [(e.parent_id, e.pupil_id) for e in batch.linked]
    links += [(e.parent_id, e.pupil_id) for e in batch.unlinked]
    return len(set(pupils)) == len(pupils) and len(set(links)) == len(links)


async def apply_roster_events(
    conn: Conn, events: Sequence[BaseModel], ctx: HandlerContext
) -> list[PendingSms]:
    """apply_roster_event for each of `events` (which `fits`), in at most nine statements."""
    batch = _Split(events)
    if batch.ask:  # a link's pupil must be known by then: ours already, or enrolled earlier
        known = await conn.fetch("SELECT id FROM pupils WHERE id = ANY ($1::text[])", batch.ask)
        if unknown := set(batch.ask) - {r["id"] for r in known}:
            raise NotYetKnown(f"parent.linked names unknown pupils {sorted(unknown)!r}")
    if batch.profiles:
        await save_places(conn, batch.profiles)
        await conn.execute(SAVE_PUPILS, *_columns(_by_key(batch.profiles), _PUPIL))
    if left := _by_key(batch.left):
        await conn.execute(_LEAVE, *_columns(left, ("pupil_id", "occurred_at")))
    if linked := _by_key(batch.linked):
        await conn.execute(_LINK, *_columns(linked, ("parent_id", "pupil_id", "occurred_at")))
    if unlinked := _by_key(batch.unlinked):
        await conn.execute(_UNLINK, *_columns(unlinked, ("parent_id", "pupil_id")))
    return []


_PUPIL = ("pupil_id", "school_id", "class_id", "first_name", "locale", "time_zone", "occurred_at")


class _Split:
    """A batch's events by kind, each in batch order (told apart by exact type: an
    isinstance test against a union of models costs more than the rest of the split), and
    `ask`: the pupils linked with no enrolment earlier in the batch, to be looked up."""

    def __init__(self, events: Sequence[BaseModel]) -> None:
        self.profiles: list[Profile] = []
        self.left: list[PupilLeft] = []
        self.linked: list[ParentLinked] = []
        self.unlinked: list[ParentUnlinked] = []
        enrolled: set[str] = set()
        ask: set[str] = set()
        for e in events:
            if type(e) is PupilEnrolled or type(e) is PupilUpdated:
                self.profiles.append(e)
                enrolled.add(e.pupil_id)
            elif type(e) is ParentLinked:
                self.linked.append(e)
                if e.pupil_id not in enrolled:
                    ask.add(e.pupil_id)
            elif type(e) is PupilLeft:
                self.left.append(e)
            elif type(e) is ParentUnlinked:
                self.unlinked.append(e)
        self.ask = sorted(ask)


def _by_key(events: Iterable[E]) -> list[E]:
    """Rows in key order, the lock order every roster batch keeps."""
    return sorted(events, key=lambda e: (e.pupil_id, getattr(e, "parent_id", "")))


def _columns(events: Sequence[BaseModel], fields: Sequence[str]) -> list[list[object]]:
    return [[getattr(e, f) for e in events] for f in fields]


async def save_places(conn: Conn, profiles: Sequence[Profile]) -> None:
    """Each school and class as the batch leaves it, in key order (`profiles` are in batch
    order): a school's last name given, country and zone; a class's first school (a class
    never changes school) and last name."""
    schools: dict[str, tuple[str | None, str, str]] = {}
    classes: dict[str, tuple[str, str]] = {}
    for e in profiles:
        name = e.school_name
        if name is None and e.school_id in schools:  # coalesce(name, the name before)
            name = schools[e.school_id][0]
        schools[e.school_id] = (name, e.school_country, e.time_zone)
        classes[e.class_id] = (classes.get(e.class_id, (e.school_id, ""))[0], e.class_name)
    for statement, rows in ((_NEW_SCHOOLS, schools), (_CHANGED_SCHOOLS, schools),
                            (_NEW_CLASSES, classes), (_CHANGED_CLASSES, classes)):  # fmt: skip
        await conn.execute(statement, *_rows_by_id(rows))


def _rows_by_id(rows: Mapping[str, tuple[str | None, ...]]) -> list[list[str | None]]:
    """unnest's columns, rows in id order."""
    ids = sorted(rows)
    return [list(ids), *([rows[i][k] for i in ids] for k in range(len(rows[ids[0]])))]
