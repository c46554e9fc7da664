"""How many instant grade SMS a class's marks of the last four weeks would have brought (pure),
for the month's forecast (notifier/manager/forecast.py).

Marks are bundled as notifier/grade_bundles.py bundles them: a child's bundle leaves once its
newest mark has waited out the grace period, or its oldest twice as long; a mark posted
before it leaves joins it. Then the parent's daily limit: a child brings at most `limit`
bundles on a local day (notifier/grade_limit.py). So each child counts, per day with marks,
min(bundles that day, limit); the class's total per pupil is the rate a child can expect.
Days are the school's (classmates share one zone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from itertools import groupby

from notifier.zones import zone


@dataclass(frozen=True)
class PostedMark:
    pupil_id: str
    posted_at: datetime


def bundles_sent_at(posted: Sequence[datetime], grace: timedelta) -> list[datetime]:
    """When a child's marks posted at these times go out, one time per bundle."""
    sent: list[datetime] = []
    first = last = None
    for at in sorted(posted):
        if first is not None and last is not None:
            leaves = min(last + grace, first + 2 * grace)
            if at < leaves:
                last = at
                continue
            sent.append(leaves)
        first = last = at
    if first is not None and last is not None:
        sent.append(min(last + grace, first + 2 * grace))
    return sent


def bundles_per_pupil(
    marks: Iterable[PostedMark], pupils: int, *, grace: timedelta, limit: int, time_zone: str
) -> Fraction:
    """The instant grade SMS per pupil that a class's `marks` brought, at most `limit` a day
    in `time_zone` (the school's, known to the shipped tzdata)."""
    tz, total = zone(time_zone), 0
    for _, mine in groupby(sorted(marks, key=lambda m: m.pupil_id), key=lambda m: m.pupil_id):
        sent = bundles_sent_at([m.posted_at for m in mine], grace)
        per_day = Counter(at.astimezone(tz).date() for at in sent)
        total += sum(min(count, limit) for count in per_day.values())
    return Fraction(total, max(pupils, 1))
