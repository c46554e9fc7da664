"""Everything a parent controls about their money, read on a 390×844 phone in Russian, Kazakh
and Kyrgyz: the daily grade limit (and the forecast following it), the cap and the month's
forecast in both prices, statement lines naming the child, the kind and the first words, a
refund with its reason, why an SMS waits and until when, one cancelled by STOP; "SMS" on
every page; and the code-sent message said once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from playwright.async_api import Page, ViewportSize, expect

from notifier.manager.message_reasons import local_time
from tests.browser.checks import horizontal_overflow, unlabelled_fields
from tests.browser.conftest import CHILD, Manager, NewPage
from tests.browser.money_fixtures import month_behind, window_opens

SCREEN: ViewportSize = {"width": 390, "height": 844}
LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "ky": "ky-KG"}
# limit's label, Save, saved, charge line, refund line, waiting (window), stopped by STOP,
# what the limit costs a day at most, the top-up line
TEXTS = {
    "ru": ("Оценки сразу: не больше SMS в день", "Сохранить", "Сохранено.",
           "Оплата SMS: домашнее задание, Айгерим — «ДЗ: стр. 12, упражнения 3–5»",
           "Возврат за SMS (истёк срок доставки): домашнее задание, Айгерим — «ДЗ: стр. 34,"
           " выучить правило»",
           "Ждёт времени отправки школы: оно начнётся в {time}",
           "Не отправлено: вы ответили СТОП. Деньги не списаны",
           "Обычно это не больше {price} в день.", "Пополнение через тестовую оплату"),
    "kk": ("Бағалар бірден: күніне ең көбі SMS", "Сақтау", "Сақталды.",
           "SMS төлемі: үй тапсырмасы, Айгерим — «ДЗ: стр. 12, упражнения 3–5»",
           "SMS үшін қайтару (жеткізу мерзімі өтті): үй тапсырмасы, Айгерим — «ДЗ: стр. 34,"
           " выучить правило»",
           "Мектептің жіберу уақытын күтуде: {time} басталады",
           "Жіберілмеді: сіз ТОҚТАТ деп жауап бердіңіз. Ақша алынбады",
           "Әдетте бұл күніне {price} аспайды.", "тестілік төлем арқылы толықтыру"),
    "ky": ("Баалар дароо: күнүнө эң көп SMS", "Сактоо", "Сакталды.",
           "SMS төлөмү: үй тапшырмасы, Айгерим — «ДЗ: стр. 12, упражнения 3–5»",
           "SMS үчүн кайтаруу (жеткирүү мөөнөтү өттү): үй тапшырмасы, Айгерим — «ДЗ: стр. 34,"
           " выучить правило»",
           "Мектептин жөнөтүү убактысын күтүүдө: {time} башталат",
           "Жөнөтүлгөн жок: сиз ТОКТОТ деп жооп бердиңиз. Акча алынган жок",
           "Адатта бул күнүнө {price} ашпайт.", "тесттик төлөм аркылуу толуктоо"),
}  # fmt: skip
CODE_SENT = {"ru": "Мы отправили код в SMS", "kk": "нөміріне SMS арқылы код жібердік",
             "ky": "номерине SMS менен код жөнөттүк"}  # fmt: skip
INSTANT = {"ru": "Каждая новая оценка сразу", "kk": "Әр жаңа баға бірден",
           "ky": "Ар бир жаңы баа дароо"}  # fmt: skip


def tenge(minor: int) -> str:
    """As the page writes money: `1 234,50 ₸`, with no-break spaces."""
    whole = f"{minor // 100:,}".replace(",", "\u00a0")
    return whole + (f",{minor % 100:02d}" if minor % 100 else "") + "\u00a0₸"


async def _forecast(manager: Manager) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {manager.token()}"}
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{manager.base_url}/api/v1/spending", headers=headers)
        body: dict[str, Any] = await r.json()
    return body["forecast"]["cyrillic"], body["forecast"]["latin"]


async def _open(manager: Manager, browser: NewPage, lang: str) -> Page:
    page = await browser(locale=LOCALES[lang], viewport=SCREEN)
    await page.goto(manager.opened_from_diary(manager.token()))
    await expect(page.get_by_role("heading", name=CHILD)).to_be_visible()
    return page


@pytest.mark.parametrize("lang", ["ru", "kk", "ky"])
async def test_a_parent_reads_and_controls_their_money_on_a_phone(
    lang: str, manager: Manager, browser: NewPage, artifacts: Path
) -> None:
    now = datetime.now(UTC)
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        await month_behind(conn, now)
    finally:
        await conn.close()
    limit, save, saved, charge, refund, waiting, stopped, per_day, top_up = TEXTS[lang]
    cyrillic, latin = await _forecast(manager)
    assert latin < cyrillic  # the digest and the grade SMS cost less in Latin letters
    page = await _open(manager, browser, lang)

    forecast = page.locator("#forecast")
    await expect(forecast).to_contain_text(tenge(cyrillic))
    await expect(forecast).to_contain_text(tenge(latin))
    await expect(page.locator("#cap-now")).to_have_text(tenge(500_00))
    await expect(page.locator("#statement li", has_text=charge)).to_have_count(1)
    await expect(page.locator("#statement li", has_text=refund)).to_have_count(1)
    await expect(page.locator("#statement li", has_text=top_up)).to_have_count(1)
    at = local_time(window_opens(now), datetime.now(UTC), "Asia/Almaty")
    messages = page.locator("#messages li")
    await expect(messages.filter(has_text=waiting.format(time=at))).to_have_count(1)
    # "not charged" said once, by the reason
    await expect(messages.filter(has_text=stopped).locator(".meta")).to_have_text(
        f"1\u00a0SMS · {stopped}"
    )
    shown = await page.locator("body").inner_text()
    assert re.findall(r"(?i)смс", shown) == []  # "SMS", as everywhere else on the page
    assert await unlabelled_fields(page) == []
    assert await horizontal_overflow(page) == 0
    await page.screenshot(path=artifacts / f"money-{lang}.png", full_page=True)

    grade_limit = page.get_by_label(limit, exact=True)
    await expect(grade_limit).to_have_value("2")
    hint = page.locator("#grade-limit-hint-0")
    await expect(hint).to_contain_text(per_day.format(price=tenge(40_00)))  # 2 × 20 ₸
    await grade_limit.select_option("1")
    await expect(hint).to_contain_text(per_day.format(price=tenge(20_00)))
    await page.get_by_role("button", name=save, exact=True).click()
    await expect(page.get_by_text(saved, exact=True)).to_be_visible()
    fewer, _ = await _forecast(manager)
    assert fewer < cyrillic  # one grade SMS a day instead of two
    await expect(forecast).to_contain_text(tenge(fewer))
    await page.reload()
    await expect(page.get_by_label(limit, exact=True)).to_have_value("1")


@pytest.mark.parametrize("lang", ["ru", "kk", "ky"])
async def test_the_code_sent_message_is_said_once(
    lang: str, manager: Manager, browser: NewPage
) -> None:
    page = await _open(manager, browser, lang)
    await page.locator("input[type=tel]").fill("8 701 123 45 67")
    await page.get_by_label(INSTANT[lang]).check()
    await page.get_by_role("button", name=TEXTS[lang][1], exact=True).click()
    await expect(page.locator("input[name=code]")).to_be_focused()
    await expect(page.get_by_text(CODE_SENT[lang])).to_have_count(1)
