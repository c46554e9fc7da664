"""A parent follows the e-diary memo in a phone-sized Chromium: open the Notification Manager,
enter a number, choose the types, Save, confirm the code, top the SMS balance up and pay."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.async_api import Request, expect

from tests.browser.checks import horizontal_overflow, publish_screenshot, unlabelled_fields
from tests.browser.conftest import CHILD, Manager, NewPage

PHONE = "+77011234567"


async def test_a_parent_subscribes_confirms_the_phone_and_tops_up_the_balance(
    manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    page = await browser()
    token = manager.token()
    sent: list[str] = []

    def remember(request: Request) -> None:
        sent.append(request.url)

    page.on("request", remember)
    await page.goto(manager.opened_from_diary(token))
    await expect(page.get_by_role("heading", name=CHILD)).to_be_visible()
    assert "token" not in page.url
    assert await unlabelled_fields(page) == []
    assert await horizontal_overflow(page) == 0
    await page.screenshot(path=artifacts / "manager-before.png", full_page=True)

    await page.get_by_label("Номер мобильного телефона").fill("8 701 123 45 67")
    await page.get_by_label("Оценки за неделю").check()
    await page.get_by_label("Домашние задания").check()
    await page.get_by_role("button", name="Сохранить").click()
    code_sent = page.get_by_text("Мы отправили код в SMS на +7 701 123 45 67.")
    await expect(code_sent).to_be_visible()
    await expect(code_sent).to_have_count(1)  # said once, beside the code field
    await page.get_by_label("Код из SMS").fill(await manager.code_sent_to(PHONE))
    await page.get_by_role("button", name="Подтвердить").click()
    await expect(page.get_by_text("Номер подтверждён. Уведомления включены.")).to_be_visible()
    await expect(page.get_by_text("SMS приходят на +7 701 123 45 67")).to_contain_text(
        "оценки за неделю, домашние задания"
    )

    await page.get_by_role("button", name="Пополнить баланс SMS").click()
    await page.get_by_label(re.compile(r"^1\s000\s₸$")).check()
    assert await unlabelled_fields(page) == []
    await page.get_by_role("button", name="Перейти к оплате").click()
    await page.get_by_role("button", name="Pay").click()
    await page.wait_for_url(re.compile(r"/manager$"))

    await expect(page.get_by_text(re.compile(r"Оплата прошла: \+1\s000\s₸"))).to_be_visible()
    await expect(page.locator("#bal-available")).to_have_text(re.compile(r"^1\s000\s₸$"))
    await expect(page.get_by_text("Хватит примерно на 50 SMS.")).to_be_visible()
    await expect(page.locator("#statement li").first).to_contain_text(re.compile(r"\+1\s000\s₸"))
    await expect(page.locator("#statement li").first).to_contain_text(
        "Пополнение через тестовую оплату"
    )
    await expect(page.locator("#messages")).to_contain_text("Код подтверждения")
    assert await horizontal_overflow(page) == 0
    final = artifacts / "manager-after.png"
    await page.screenshot(path=final, full_page=True)
    publish_screenshot(final)
    assert not [url for url in sent if token in url]


async def test_mistakes_are_explained_next_to_the_form(
    manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    page = await browser()
    await page.goto(manager.opened_from_diary(manager.token()))
    phone = page.get_by_label("Номер мобильного телефона")
    await phone.fill("12345")
    await page.get_by_label("Объявления школы").check()
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.get_by_text("Это не похоже на номер телефона.")).to_be_visible()
    await expect(phone).to_have_attribute("aria-invalid", "true")

    await phone.fill("+7 701 123 45 67")
    await page.get_by_role("button", name="Сохранить").click()
    code = await manager.code_sent_to(PHONE)
    await page.get_by_label("Код из SMS").fill(f"{(int(code) + 1) % 10**6:06d}")
    await page.get_by_role("button", name="Подтвердить").click()
    await expect(page.get_by_text("Неверный код. Осталось попыток: 4.")).to_be_visible()
    await expect(page.get_by_role("button", name=re.compile("Новый код — через"))).to_be_disabled()
    await page.screenshot(path=artifacts / "manager-wrong-code.png", full_page=True)


async def test_the_page_shows_nothing_until_the_token_is_accepted(
    manager: Manager, browser: NewPage
) -> None:
    page = await browser()
    expired = manager.token(ttl_seconds=60, now=int(time.time()) - 3600)
    await page.goto(manager.opened_from_diary(expired))
    await expect(page.get_by_text("Сессия истекла.")).to_be_visible()
    await expect(page.locator("#app")).to_be_hidden()
    assert CHILD not in await page.content()
    assert await page.evaluate("sessionStorage.length") == 0


async def test_without_a_token_the_parent_is_sent_back_to_the_e_diary(
    manager: Manager, browser: NewPage
) -> None:
    page = await browser()
    await page.goto(f"{manager.base_url}/manager")
    await expect(
        page.get_by_text("Откройте менеджер уведомлений из электронного дневника.")
    ).to_be_visible()
    await expect(page.locator("#app")).to_be_hidden()


async def test_a_parent_switches_every_notification_off_for_a_child(
    manager: Manager, browser: NewPage
) -> None:
    page = await browser()
    await page.goto(manager.opened_from_diary(manager.token()))
    # The prices beside each type arrive last and move the boxes: a click aimed before they
    # came can land beside the box (seen on a loaded machine).
    await page.wait_for_load_state("networkidle")
    await page.get_by_label("Номер мобильного телефона").fill("+7 701 123 45 67")
    await page.get_by_label("Каждая новая оценка сразу").check()
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.get_by_label("Код из SMS")).to_be_visible()

    await page.get_by_role("button", name="Отключить все уведомления").click()
    await page.get_by_role("button", name="Да, отключить").click()
    await expect(page.get_by_text("Все уведомления отключены.")).to_be_visible()
    await expect(page.get_by_text("Уведомления выключены.")).to_be_visible()
    await expect(page.get_by_label("Каждая новая оценка сразу")).not_to_be_checked()
    await page.reload()
    await expect(page.get_by_text("Уведомления выключены.")).to_be_visible()
