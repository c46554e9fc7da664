"""A parent chooses how many instant grade SMS a child may bring a day, on a phone screen, and
finds the choice again when the page is opened next time; the control speaks kk and ky too."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import ViewportSize, expect

from tests.browser.checks import horizontal_overflow, unlabelled_fields
from tests.browser.conftest import CHILD, Manager, NewPage

SCREEN: ViewportSize = {"width": 390, "height": 844}  # the phone


async def test_a_parent_allows_one_grade_sms_a_day(
    manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    page = await browser(viewport=SCREEN)
    await page.goto(manager.opened_from_diary(manager.token()))
    await expect(page.get_by_role("heading", name=CHILD)).to_be_visible()
    limit = page.get_by_label("Оценки сразу: не больше SMS в день")
    await expect(limit).to_be_hidden()  # only for a parent who wants instant grades
    await page.get_by_label("Каждая новая оценка сразу").check()
    await expect(limit).to_have_value("3")  # the documented default
    await expect(page.get_by_text("приходят одним SMS")).to_be_visible()
    assert await unlabelled_fields(page) == []
    assert await horizontal_overflow(page) == 0
    await limit.scroll_into_view_if_needed()
    await page.screenshot(path=artifacts / "manager-grade-limit.png")

    await page.get_by_label("Номер мобильного телефона").fill("8 701 123 45 67")
    await limit.select_option("1")
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.get_by_text("Мы отправили код в SMS").first).to_be_visible()
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        assert await conn.fetchval("SELECT grade_alerts_per_day FROM subscriptions") == 1
    finally:
        await conn.close()

    await page.reload()
    await expect(page.get_by_label("Оценки сразу: не больше SMS в день")).to_have_value("1")


@pytest.mark.parametrize(
    ("locale", "instant", "label"),
    [
        ("kk-KZ", "Әр жаңа баға бірден", "Бағалар бірден: күніне ең көбі SMS"),
        ("ky-KG", "Ар бир жаңы баа дароо", "Баалар дароо: күнүнө эң көп SMS"),
    ],
)
async def test_the_limit_reads_in_kazakh_and_kyrgyz_on_a_phone(
    manager: Manager, browser: NewPage, locale: str, instant: str, label: str
) -> None:
    page = await browser(locale=locale, viewport=SCREEN)
    await page.goto(manager.opened_from_diary(manager.token()))
    await page.get_by_label(instant).check()
    await expect(page.get_by_label(label)).to_have_value("3")
    assert await unlabelled_fields(page) == []
    assert await horizontal_overflow(page) == 0
