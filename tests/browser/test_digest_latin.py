"""A parent compares the weekly digest's price in Cyrillic and in Latin letters and opts in."""

from __future__ import annotations

import re

import asyncpg
from playwright.async_api import expect

from tests.browser.conftest import CHILD, Manager, NewPage


async def test_a_parent_sees_both_prices_and_chooses_the_cheaper_latin(
    manager: Manager, browser: NewPage
) -> None:
    page = await browser()
    await page.goto(manager.opened_from_diary(manager.token()))
    await expect(page.get_by_role("heading", name=CHILD)).to_be_visible()
    both = re.compile(r"кириллицей — 3\sSMS, 60\s₸; латиницей — 2\sSMS, 40\s₸")
    await expect(page.get_by_text(both)).to_be_visible()
    await expect(page.get_by_text(re.compile(r"около 3\sSMS, 60\s₸"))).to_be_visible()

    await page.get_by_label("Латинскими буквами (дешевле)").check()
    await expect(page.get_by_text(re.compile(r"около 2\sSMS, 40\s₸"))).to_be_visible()
    await page.get_by_label("Номер мобильного телефона").fill("8 701 123 45 67")
    await page.get_by_label("Оценки за неделю").check()
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.get_by_text(re.compile("Мы отправили код")).first).to_be_visible()
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        assert await conn.fetchval("SELECT latin FROM subscriptions") is True
    finally:
        await conn.close()
