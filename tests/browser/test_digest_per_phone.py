"""Two children on one phone, on the parent's phone (390×844) in Russian, Kazakh and Kyrgyz:
the month's weekly digests priced each child apart and as one SMS per phone, side by side, the
option on by default, and turned off from the page."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import expect

from tests.browser.checks import horizontal_overflow
from tests.browser.conftest import PARENT, Manager, NewPage

LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "ky": "ky-KG"}
TEXTS = {
    "ru": ("Одно SMS со сводкой на телефон для всех детей", "каждому ребёнку своё SMS",
           "Сохранено: каждому ребёнку своё SMS."),
    "kk": ("Барлық балаға бір телефонға бір апталық SMS", "әр балаға жеке SMS",
           "Сақталды: әр балаға жеке SMS."),
    "ky": ("Бардык балдарга бир телефонго бир жумалык SMS", "ар бир балага өз SMS",
           "Сакталды: ар бир балага өз SMS."),
}  # fmt: skip
TWO_CHILDREN = """
INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)
    VALUES ('p-web2', 'sch-web', 'c-web', 'Данияр', 'ru', 'Asia/Almaty', now());
INSERT INTO parent_links (parent_id, pupil_id, linked_at) VALUES ('par-web', 'p-web2', now());
INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language, latin, phone_verified_at)
    VALUES ('par-web', 'p-web', '+77011234567', '{weekly_grades}', 'ru', true, now()),
           ('par-web', 'p-web2', '+77011234567', '{weekly_grades}', 'ru', true, now());
"""


async def _two_children_a_mark_a_week(conn: asyncpg.Connection) -> None:
    """In Latin letters each child's week is one part, and both together one part too."""
    await conn.execute(TWO_CHILDREN)
    wednesday = date.today() - timedelta(days=date.today().weekday() + 7 * 4 - 2)
    await conn.executemany(
        "INSERT INTO grades (id, school_id, pupil_id, subject, lesson_date, assessment, mark,"
        " as_of) VALUES ($1, 'sch-web', $2, 'Математика', $3, 'lesson', 5, now())",
        [(f"{p}-{w}", p, wednesday + timedelta(weeks=w))
         for p in ("p-web", "p-web2") for w in range(4)],
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "kk", "ky"])
async def test_both_prices_side_by_side_and_the_option_turned_off(
    lang: str, manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        await _two_children_a_mark_a_week(conn)
        days = calendar.monthrange(date.today().year, date.today().month)[1]
    finally:
        await conn.close()
    label, apart, saved = TEXTS[lang]
    weeks = int(days / 7 + 0.5)  # the digests a month brings, as the forecast counts them
    page = await browser(locale=LOCALES[lang], viewport={"width": 390, "height": 844})
    await page.goto(manager.opened_from_diary(manager.token()))
    option = page.get_by_label(label)
    await expect(option).to_be_checked()
    prices = page.locator("#per-phone-prices")
    separate, one = weeks * 2 * 20, weeks * 20  # two parts apart, one together, 20 ₸ a part
    await expect(prices).to_contain_text(apart)
    await expect(prices).to_contain_text(re.compile(rf"{separate}\s₸.*{one}\s₸"))
    assert await horizontal_overflow(page) == 0
    await page.locator("#spending").screenshot(path=artifacts / f"per-phone-{lang}.png")

    forecast = page.locator("#forecast")  # with the option on: the Latin digests share parts
    await expect(forecast).to_contain_text(re.compile(rf"{separate}\s₸.*{one}\s₸"))

    await option.uncheck()
    await expect(page.locator("#spending")).to_contain_text(saved)
    await expect(forecast).to_have_text(re.compile(rf": {separate}\s₸\.$"))  # one price again
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        stored = await conn.fetchval(
            "SELECT per_phone FROM digest_phone_options WHERE parent_id = $1", PARENT
        )
    finally:
        await conn.close()
    assert stored is False
