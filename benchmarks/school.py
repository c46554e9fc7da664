"""A synthetic school district, its homework stream, and who must get an SMS for it.

Shared by the end-to-end benchmark and the crash tests (tests/crash): one model of classes,
pupils, parents (siblings and second parents included), wallets (rich, too poor for one SMS,
none), and the reference a run is checked against: which (event, parent, pupil) pairs must
get exactly one SMS.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

RICH = 10_000_000_00  # minor units: far more than any run spends
POOR = 1_00  # below one SMS part in either currency (KZT 20.00, KGS 3.00)
TEXTS = (
    "Стр. 45, № 3–7",
    "Выучить стихотворение Абая «Ғылым таппай мақтанба», ответить на вопросы 1–4",
    "Параграф 12, упражнения 5, 6 и 8; принести контурные карты и цветные карандаши",
    "Жаттығу 214",
)
SUBJECTS = ("Математика", "Қазақ тілі", "Русский язык", "История", "Физика")


@dataclass(frozen=True)
class Subscriber:
    parent_id: str
    pupil_id: str
    phone: str
    language: str


@dataclass
class School:
    """Classes -> pupils, subscriptions to homework, and each parent's wallet."""

    class_country: dict[str, str] = field(default_factory=dict)
    pupils: dict[str, list[str]] = field(default_factory=dict)  # class id -> pupil ids
    by_pupil: dict[str, list[Subscriber]] = field(default_factory=dict)
    wallets: dict[str, tuple[str, int]] = field(default_factory=dict)  # no entry: no wallet

    @property
    def subscriptions(self) -> list[Subscriber]:
        return [s for subs in self.by_pupil.values() for s in subs]

    def pays(self, parent_id: str) -> bool:
        return self.wallets.get(parent_id, ("", 0))[1] >= RICH


def build_school(
    classes: int,
    pupils_per_class: int = 25,
    *,
    second_parent_share: float = 0.3,
    no_wallet_share: float = 0.02,
    poor_share: float = 0.02,
    seed: int = 7,
) -> School:
    """~1.3 subscriptions per pupil; one class in four is in Kyrgyzstan (KGS, +996)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    school = School()
    phones: dict[str, str] = {}
    for c in range(classes):
        class_id = f"c{c:05d}"
        country = "KG" if c % 4 == 3 else "KZ"
        school.class_country[class_id] = country
        pupils = [f"{class_id}-p{k:02d}" for k in range(pupils_per_class)]
        school.pupils[class_id] = pupils
        for k, pupil in enumerate(pupils):
            # Siblings: the first pupils of some classes share a mother with the class before.
            sibling = k < 4 and c % 4 in (1, 2)
            parents = [f"m-c{c - 1:05d}-p{k:02d}" if sibling else f"m-{pupil}"]
            if rng.random() < second_parent_share:
                parents.append(f"f-{pupil}")
            language = rng.choice(("ru", "ky") if country == "KG" else ("ru", "kk"))
            school.by_pupil[pupil] = [
                Subscriber(p, pupil, _phone(phones, p, country), language) for p in parents
            ]
    for parent in sorted(phones):
        draw = rng.random()
        currency = "KGS" if phones[parent].startswith("+996") else "KZT"
        if draw >= no_wallet_share:
            amount = POOR if draw < no_wallet_share + poor_share else RICH
            school.wallets[parent] = (currency, amount)
    return school


def _phone(phones: dict[str, str], parent: str, country: str) -> str:
    if parent not in phones:
        n = len(phones) + 1
        phones[parent] = f"+996555{n:06d}" if country == "KG" else f"+7701{n:07d}"
    return phones[parent]


def homework_events(
    school: School,
    n: int,
    *,
    whole_class_share: float = 0.15,
    pupils: tuple[int, int] = (1, 3),
    seed: int = 11,
) -> list[dict[str, Any]]:
    """`n` homework.assigned events; the rest go to a few pupils of a class (`pupils`: how
    many, at least and at most, listed in pupil_ids)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    classes = sorted(school.pupils)
    events = []
    for i in range(n):
        class_id = rng.choice(classes)
        chosen = None
        if rng.random() >= whole_class_share:
            chosen = sorted(rng.sample(school.pupils[class_id], rng.randint(*pupils)))
        school_id = "sch-kg" if school.class_country[class_id] == "KG" else "sch-kz"
        events.append(_homework(i, school_id, class_id, chosen, rng))
    return events


def _homework(
    i: int, school_id: str, class_id: str, pupils: list[str] | None, rng: random.Random
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "event_type": "homework.assigned",
        "occurred_at": datetime.now(UTC).isoformat(),
        "schema_version": 1,
        "homework_id": f"hw-{i:07d}-{uuid.uuid4().hex[:6]}",
        "school_id": school_id,
        "class_id": class_id,
        "subject": rng.choice(SUBJECTS),
        "text": rng.choice(TEXTS),
        "due_date": date(2026, 12, 20).isoformat(),
        "teacher_id": "t-1",
    }
    if pupils is not None:
        event["pupil_ids"] = pupils
    return event


def expected_sms(school: School, events: Sequence[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(event id, parent id, pupil id) of every SMS that must be sent exactly once."""
    expected = set()
    for event in events:
        pupils = event.get("pupil_ids") or school.pupils[event["class_id"]]
        for pupil in pupils:
            for sub in school.by_pupil[pupil]:
                if school.pays(sub.parent_id):
                    expected.add((event["event_id"], sub.parent_id, pupil))
    return expected


def recipients(school: School, events: Sequence[dict[str, Any]]) -> int:
    """How many notifications rows the events make (paid, or skipped for want of money)."""
    return sum(
        len(school.by_pupil[p])
        for e in events
        for p in e.get("pupil_ids") or school.pupils[e["class_id"]]
    )
