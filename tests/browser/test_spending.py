"""The month on the parent's phone (390×844), in Russian, Kazakh and Kyrgyz: what was spent,
what the month will cost in Cyrillic and in Latin letters, the cap reached and the
SMS it stopped, and a new cap saved from the page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import expect

from billing.holds import place_hold
from billing.ledger import credit_wallet
from notifier.manager.spending import set_cap
from notifier.outbox.caps import month_of
from tests.browser.checks import horizontal_overflow
from tests.browser.conftest import PARENT, Manager, NewPage

LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "ky": "ky-KG"}
TEXTS = {
    "ru": ("Потрачено в этом месяце", "Прогноз на месяц:", "латиницей",
           "достигнут месячный лимит", "Установить лимит", "Лимит сохранён."),
    "kk": ("Осы айда жұмсалды", "Айлық болжам:", "латынша", "айлық лимитке жетті",
           "Лимитті орнату", "Лимит сақталды."),
    "ky": ("Бул айда коротулду", "Айлык болжол:", "латынча", "айлык лимитке жетти",
           "Лимит коюу", "Лимит сакталды."),
}  # fmt: skip


async def _capped_parent(conn: asyncpg.Connection) -> None:
    """Subscribed to the digest and homework, 20 ₸ spent of a 20 ₸ cap, one SMS stopped."""
    now = datetime.now(UTC)
    async with conn.transaction():
        sub = await conn.fetchval(
            "INSERT INTO subscriptions (parent_id, pupil_id, phone, types, language,"
            " phone_verified_at) VALUES ($1, 'p-web', '+77011234567',"
            " '{weekly_grades,homework}', 'ru', now()) RETURNING id",
            PARENT,
        )
        await credit_wallet(conn, PARENT, 1000_00, "KZT", source=("gateway_clearing", "t"),
                            kind="top_up", reference="t-cap")  # fmt: skip
        await set_cap(conn, PARENT, 20_00, now)
        hold = await place_hold(conn, PARENT, 20_00, reference=f"test-{uuid.uuid4()}",
                                expires_at=now + timedelta(hours=1))  # fmt: skip
        await conn.execute(
            "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
            " phone, body, encoding, parts, price, currency, hold_id, status, last_error)"
            " VALUES ($1, $2, $3, 'p-web', 'homework', '+77011234567', $4, 'UCS-2', 1, 20_00,"
            " 'KZT', $5, $6, $7)",
            *(uuid.uuid4(), sub, PARENT, "ДЗ: стр. 12", hold.id, "sending", None),
        )
        await conn.execute(
            "INSERT INTO notifications (event_id, subscription_id, parent_id, pupil_id, kind,"
            " phone, body, encoding, parts, price, currency, status, last_error)"
            " VALUES ($1, $2, $3, 'p-web', 'homework', '+77011234567', 'ДЗ: стр. 34',"
            " 'UCS-2', 1, 20_00, 'KZT', 'skipped_cap', 'monthly cap 20.00 KZT reached')",
            uuid.uuid4(), sub, PARENT,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO cap_notices (parent_id, month, notified_at) VALUES ($1, $2, $3)",
            PARENT, month_of(now, "Asia/Almaty"), now,
        )  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "kk", "ky"])
async def test_the_month_spend_forecast_and_cap_in_every_language(
    lang: str, manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        await _capped_parent(conn)
    finally:
        await conn.close()
    spent, forecast, latin, stopped, save, saved = TEXTS[lang]
    page = await browser(locale=LOCALES[lang], viewport={"width": 390, "height": 844})
    await page.goto(manager.opened_from_diary(manager.token()))
    month = page.locator("#spending")
    await expect(month).to_contain_text(spent)
    await expect(page.locator("#spent")).to_have_text("20\u00a0₸")
    await expect(page.locator("#cap-now")).to_have_text("20\u00a0₸")
    await expect(page.locator("#forecast")).to_contain_text(forecast)
    await expect(page.locator("#forecast")).to_contain_text(latin)
    await expect(page.locator("#cap-reached")).to_be_visible()
    await expect(page.locator("#messages li").first).to_contain_text(stopped)
    assert await horizontal_overflow(page) == 0
    await month.screenshot(path=artifacts / f"spending-{lang}.png")

    await page.locator("#cap-input").fill("100")
    await page.get_by_role("button", name=save, exact=True).click()
    await expect(month).to_contain_text(saved)
    await expect(page.locator("#cap-now")).to_have_text("100\u00a0₸")
