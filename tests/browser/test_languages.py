"""The page in Russian, Kazakh and Kyrgyz: chosen from the browser's language, switchable,
remembered, and with no Russian left on the main controls of the Kazakh and Kyrgyz pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser.checks import horizontal_overflow, unlabelled_fields
from tests.browser.conftest import CHILD, Manager, NewPage

KEY_TEXTS = {
    "ru": [
        "Менеджер уведомлений",
        "Сохранить",
        "Пополнить баланс SMS",
        "Номер мобильного телефона",
    ],
    "kk": ["Хабарландыру менеджері", "Сақтау", "SMS балансын толтыру", "Ұялы телефон нөмірі"],
    "ky": ["Билдирүү менеджери", "Сактоо", "SMS балансын толуктоо", "Мобилдик телефон номери"],
}
LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "ky": "ky-KG"}


@pytest.mark.parametrize("lang", ["ru", "kk", "ky"])
async def test_the_page_speaks_the_language_of_the_parents_browser(
    lang: str, manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    page = await browser(locale=LOCALES[lang])
    await page.goto(manager.opened_from_diary(manager.token()))
    title, save, top_up, phone = KEY_TEXTS[lang]
    await expect(page.get_by_role("heading", name=CHILD)).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", lang)
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    await expect(page.get_by_role("button", name=save, exact=True)).to_be_visible()
    await expect(page.get_by_label(phone, exact=True)).to_be_visible()
    await page.get_by_role("button", name=top_up, exact=True).click()  # shows the amounts too

    shown = await page.locator("body").inner_text()
    left_over = [t for other in KEY_TEXTS if other != lang for t in KEY_TEXTS[other] if t in shown]
    assert left_over == []
    assert await unlabelled_fields(page) == []
    assert await horizontal_overflow(page) == 0
    await page.screenshot(path=artifacts / f"manager-{lang}.png", full_page=True)


async def test_a_language_chosen_on_the_page_is_remembered(
    manager: Manager, browser: NewPage
) -> None:
    page = await browser(locale="ru-RU")
    await page.goto(manager.opened_from_diary(manager.token()))
    await page.get_by_label("Язык", exact=True).select_option("ky")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Билдирүү менеджери")
    await expect(page.get_by_text("Билдирүүлөр өчүк.")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("heading", name=CHILD)).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Билдирүү менеджери")
    await expect(page.locator("html")).to_have_attribute("lang", "ky")


async def test_every_language_has_every_text(manager: Manager, browser: NewPage) -> None:
    page = await browser()
    await page.goto(f"{manager.base_url}/manager")
    missing = await page.evaluate(
        """async () => {
            const script = document.querySelector('script[type=module]').src;
            const { DICTIONARIES } = await import(new URL('i18n.js', script));
            const template = document.querySelector('#child-template').content;
            const asked = [...document.querySelectorAll('[data-i18n]'),
                           ...template.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n);
            const keys = new Set([...Object.keys(DICTIONARIES.ru), ...asked]);
            return Object.entries(DICTIONARIES).flatMap(
                ([lang, texts]) => [...keys].filter(k => !texts[k]).map(k => `${lang}: ${k}`));
        }"""
    )
    assert missing == []
