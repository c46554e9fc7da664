"""A small demo school: two classes, ~50 pupils, parents with KZ and KG mobile numbers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

SCHOOL_ID = "demo-school-1"
SCHOOL_NAME = "Демо-школа №1, Алматы"
CLASSES = {"demo-5a": "5А", "demo-7b": "7Б"}
NAMES = [
    "Айгерим",
    "Нурлан",
    "Дана",
    "Ерлан",
    "Асель",
    "Тимур",
    "Аружан",
    "Данияр",
    "Мадина",
    "Алихан",
    "Айпери",
    "Бекзат",
    "Жылдыз",
    "Эрлан",
    "Акылай",
    "Санжар",
    "Алина",
    "Максим",
    "Камила",
    "Арсен",
    "Томирис",
    "Нурсултан",
    "Айдана",
    "Бакыт",
    "Сабина",
]
# The school's timetable: the diary names subjects the same way for every parent.
SUBJECTS = [
    "Математика",
    "Русский язык",
    "Қазақ тілі",
    "История Казахстана",
    "Физика",
    "Английский язык",
    "Әдебиет",
]
HOMEWORK = [
    "Стр. 45, № 3–7; выучить правило на стр. 44",
    "Прочитать параграф 12, ответить на вопросы 1–5 письменно",
    "43-бет, 5-жаттығу. Мәтінді мәнерлеп оқу",
    "Эссе «Менің отбасым», 120 сөз",
    "Подготовить доклад о Великом шёлковом пути, 1–2 страницы",
]
# What the school administrator and a class teacher announce when the demo starts.
ANNOUNCEMENTS: list[dict[str, Any]] = [
    {
        "title": "Родительское собрание",
        "text": "В пятницу в 18:30 в актовом зале — общешкольное собрание.",
        "translations": {
            "kk": {"title": "Ата-аналар жиналысы", "text": "Жұмада 18:30-да мәжіліс залында."},
            "ky": {
                "title": "Ата-энелер чогулушу",
                "text": "Жума күнү саат 18:30да жыйындар залында.",
            },
        },
    },
    {"title": "Экскурсия", "text": "Завтра 5А едет в музей, сбор в 9:00 у школы."},
]
KZ_PREFIXES = ["701", "702", "705", "707", "747", "771", "775", "777"]
KG_PREFIXES = ["555", "700", "772", "550", "990"]


@dataclass(frozen=True)
class DemoFamily:
    pupil_id: str
    class_id: str
    first_name: str
    locale: str
    parent_id: str
    phone: str
    currency: str


def demo_families(seed: int = 7) -> list[DemoFamily]:
    rnd = random.Random(seed)  # noqa: S311 - demo data, not security
    families = []
    for i in range(50):
        class_id = list(CLASSES)[i % 2]
        locale = rnd.choice(["ru", "ru", "kk", "kk", "ky"])
        kyrgyz_number = locale == "ky" or rnd.random() < 0.1
        if kyrgyz_number:
            phone = f"+996{rnd.choice(KG_PREFIXES)}{rnd.randrange(100000, 999999)}"
        else:
            phone = f"+7{rnd.choice(KZ_PREFIXES)}{rnd.randrange(1000000, 9999999)}"
        families.append(
            DemoFamily(
                pupil_id=f"demo-pupil-{i + 1:02d}",
                class_id=class_id,
                first_name=NAMES[i % len(NAMES)],
                locale=locale,
                parent_id=f"demo-parent-{i + 1:02d}",
                phone=phone,
                currency="KGS" if kyrgyz_number else "KZT",
            )
        )
    return families
