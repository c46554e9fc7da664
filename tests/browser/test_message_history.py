"""The parent's message history says what finally happened to each SMS, in their language,
and an SMS refunded because it never reached the phone shows no cost; the statement says
what each charge and refund was."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from playwright.async_api import expect

from billing.holds import capture_hold, place_hold
from billing.ledger import credit_wallet
from notifier.outbox.delivery import DeliveryStatus, apply_delivery_report
from tests.browser.checks import horizontal_overflow
from tests.browser.conftest import PARENT, Manager, NewPage


async def _sent(conn: asyncpg.Connection, body: str, report: DeliveryStatus | None) -> None:
    """An SMS sent and charged 20 ₸; then the operator's report, if any."""
    now = datetime.now(UTC)
    async with conn.transaction():
        hold = await place_hold(conn, PARENT, 20_00, reference=f"test-{uuid.uuid4()}",
                                expires_at=now + timedelta(hours=1))  # fmt: skip
        nid = await conn.fetchval(
            "INSERT INTO notifications (event_id, parent_id, pupil_id, kind, phone, body,"
            " encoding, parts, price, currency, hold_id, status, sent_at, created_at)"
            " VALUES ($1, $2, 'p-web', 'homework', '+77011234567', $3, 'UCS-2', 1, 20_00,"
            " 'KZT', $4, 'sent', $5, clock_timestamp()) RETURNING id",
            uuid.uuid4(), PARENT, body, hold.id, now,
        )  # fmt: skip
        await capture_hold(conn, hold.id)
        await conn.execute(
            "UPDATE notifications SET provider = 'dev', provider_message_id = $2 WHERE id = $1",
            nid, f"dev-n{nid}",
        )  # fmt: skip
        if report is not None:
            await apply_delivery_report(
                conn, provider="dev", provider_message_id=f"dev-n{nid}", status=report,
                detail=None, at=now, policy="refund",
            )  # fmt: skip


async def test_each_sms_shows_its_delivery_report_and_a_refunded_one_costs_nothing(
    manager: Manager, browser: NewPage
) -> None:
    conn = await asyncpg.connect(manager.settings.database_url)
    try:
        async with conn.transaction():
            await credit_wallet(conn, PARENT, 100_00, "KZT", source=("gateway_clearing", "t"),
                                kind="top_up", reference="t-web")  # fmt: skip
        await _sent(conn, "ДЗ: стр. 12", "delivered")
        await _sent(conn, "ДЗ: стр. 34", "expired")
        await _sent(conn, "ДЗ: стр. 56", None)
    finally:
        await conn.close()
    page = await browser()
    await page.goto(manager.opened_from_diary(manager.token()))
    lines = page.locator("#messages li")
    await expect(lines).to_have_count(3)
    await expect(lines.nth(0)).to_contain_text(re.compile(r"20\s₸ · отправлено$"))
    await expect(lines.nth(1)).to_contain_text(
        re.compile(
            r"SMS · деньги возвращены · Не доставлено: оператор не успел доставить SMS вовремя$"
        )
    )
    await expect(lines.nth(2)).to_contain_text(re.compile(r"20\s₸ · доставлено$"))
    await expect(page.locator("#bal-available")).to_have_text(re.compile(r"^60\s₸$"))
    # The statement says what each line was: the refund, why, and for which SMS.
    refund = page.locator("#statement li", has_text="Возврат за SMS")
    await expect(refund).to_contain_text(
        "Возврат за SMS (истёк срок доставки): домашнее задание, Айгерим — «ДЗ: стр. 34»"
    )
    charges = page.locator("#statement li", has_text="Оплата SMS: домашнее задание, Айгерим")
    await expect(charges).to_have_count(3)

    # Switched to Kyrgyz on a phone-sized screen: the service words both again.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.get_by_label("Язык", exact=True).select_option("ky")
    await expect(page.locator("#statement li", has_text="SMS үчүн кайтаруу")).to_contain_text(
        "SMS үчүн кайтаруу (жеткирүү мөөнөтү өттү): үй тапшырмасы, Айгерим — «ДЗ: стр. 34»"
    )
    await expect(lines.nth(1)).to_contain_text(
        "Жеткирилген жок: оператор SMS өз убагында жеткире алган жок"
    )
    assert await horizontal_overflow(page) == 0
