"""Ops staff use the ops console in Chromium, on a laptop and on a phone: sign in with an ops
token, look up a parent's phone on a support call, and re-drive a dead letter with the button."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Dialog, Locator, Page, ViewportSize, expect

from notifier.app import create_app
from notifier.http.auth import mint_token
from notifier.settings import Settings
from tests.browser.checks import horizontal_overflow, publish_screenshot, unlabelled_fields
from tests.browser.conftest import NewPage
from tests.e2e.conftest import Service
from tests.e2e.ops_support import PHONE, ops_json, subscribed, with_tokens
from tests.support import (
    homework_assigned,
    parent_linked,
    pupil_enrolled,
    received_sms,
    wait_for,
)

pytestmark = pytest.mark.kafka
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE_SCREEN: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Service]:
    configured = with_tokens(settings, roster_wait_seconds=1)
    app = create_app(configured, schedule=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Service(client, configured)


def address(service: Service, token: str | None = None) -> str:
    base = str(service.client.make_url("/ops"))
    return f"{base}#token={token}" if token else base


def token(service: Service, role: str = "ops") -> str:
    return mint_token(service.settings, f"{role}-1", role)  # type: ignore[arg-type]


async def one_sent_one_skipped(service: Service) -> None:
    """A parent whose balance covers one homework SMS, and then a second homework."""
    await subscribed(service, "par-1", "pup-1")
    await service.credit("par-1", 20_00)
    await service.publish("diary.homework", "c-5a", homework_assigned(text="Стр. 45"))

    async def spent() -> bool:
        return bool((await service.wallet("par-1"))["posted"] == 0)

    assert await wait_for(spent, 20)
    await service.publish("diary.homework", "c-5a", homework_assigned(text="Стр. 46"))


async def test_a_support_lookup_and_a_redrive_from_the_console(
    console: Service, browser: NewPage, artifacts: Path
) -> None:
    await one_sent_one_skipped(console)
    await console.publish("diary.roster", "late", parent_linked("par-late", "late"))
    page = await browser("en-GB", LAPTOP)
    await page.goto(address(console, token(console)))
    await expect(page.get_by_role("heading", name="Sending now")).to_be_visible()
    assert "token" not in page.url

    await page.get_by_label("Phone number").fill("8 701 123 45 67")
    await page.get_by_role("button", name="Look up").click()
    messages = page.locator("#messages tbody tr")
    await expect(messages).to_have_count(2)
    await expect(messages.nth(0)).to_contain_text("skipped_insufficient_funds")
    await expect(messages.nth(0)).to_contain_text("balance 0.00 KZT is short of 20.00 KZT")
    await expect(messages.nth(1)).to_contain_text("submitted")  # accepted, no report yet
    await expect(messages.nth(1)).to_contain_text("20.00 KZT charged")
    await expect(page.locator("#subscriptions")).to_contain_text("Айгерим (pup-1)")
    await expect(page.locator("#wallets")).to_contain_text("0.00 KZT")
    assert await unlabelled_fields(page) == []

    button = page.get_by_role("button", name="Re-drive diary.roster")

    async def listed() -> bool:
        await page.get_by_role("button", name="Refresh").click()
        return await button.is_visible()

    assert await wait_for(listed, 20), "the dead letter never showed"
    await expect(page.locator("#dead-letters")).to_contain_text("names unknown pupil 'late'")
    await page.screenshot(path=artifacts / "ops.png", full_page=True)
    publish_screenshot(artifacts / "ops.png", "ops.png")
    await _redrive(page, console, button)


async def _redrive(page: Page, console: Service, button: Locator) -> None:
    await console.publish("diary.roster", "late", pupil_enrolled("late"))
    questions: list[str] = []

    async def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    await button.click()
    await expect(page.get_by_text("Moved 1 dead letter(s) back to diary.roster.")).to_be_visible()
    assert questions == [re.sub(r"\s+", " ", questions[0])]
    assert questions[0].startswith("Put 1 dead letter(s) back on diary.roster?")
    await console.wait_linked("par-late", "late")


async def test_a_token_without_the_ops_role_is_turned_away(
    console: Service, browser: NewPage
) -> None:
    page = await browser("en-GB", LAPTOP)
    await page.goto(address(console))
    await page.get_by_label("Ops token (bearer JWT, role ops)").fill(token(console, "parent"))
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("This token does not carry the ops role.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Sending now")).to_be_hidden()

    await page.get_by_label("Ops token (bearer JWT, role ops)").fill(token(console))
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Sending now")).to_be_visible()
    await expect(page.locator("#breakers")).to_contain_text("dev: closed")


async def undeliverable_and_refunded(service: Service) -> None:
    """The SMS that was sent is then reported undeliverable: its 20.00 KZT go back (after
    the second was skipped, or the money back would pay for it)."""

    async def skipped() -> bool:
        found = await ops_json(service, "POST", "/api/v1/ops/phone-lookup", json={"phone": PHONE})
        return any(m["status"] == "skipped_insufficient_funds" for m in found["messages"])

    assert await wait_for(skipped, 20)
    [sms] = received_sms(service.settings.sms_dev_outbox)
    report = {"provider": "dev", "provider_message_id": f"dev-{sms['id']}",
              "status": "undeliverable", "detail": "absent subscriber"}  # fmt: skip
    r = await service.client.post(
        "/internal/v1/delivery-reports", json=report, headers=service.auth
    )
    assert (await r.json())["outcome"] == "refunded"


async def test_on_a_phone_the_console_fits_and_says_what_became_of_each_sms(
    console: Service, browser: NewPage
) -> None:
    await one_sent_one_skipped(console)
    await undeliverable_and_refunded(console)
    await console.publish("diary.roster", "late", parent_linked("par-late", "late"))
    page = await browser("en-GB", PHONE_SCREEN)
    await page.goto(address(console, token(console)))
    await expect(page.get_by_role("heading", name="Sending now")).to_be_visible()

    await page.get_by_label("Phone number").fill("8 701 123 45 67")
    await page.get_by_role("button", name="Look up").click()
    messages = page.locator("#messages tbody tr")
    await expect(messages).to_have_count(2)
    # README "What happened to an SMS": its final status and where its money went.
    refunded = messages.nth(1)
    await expect(refunded.locator("td").nth(2)).to_have_text("undeliverable")
    await expect(refunded.locator("td").nth(2)).to_have_class("status-undeliverable")
    await expect(refunded).to_contain_text("20.00 KZT refunded")
    await expect(messages.nth(0)).to_contain_text("skipped_insufficient_funds")
    await expect(messages.nth(0)).to_contain_text("not charged")

    button = page.get_by_role("button", name="Re-drive diary.roster")

    async def listed() -> bool:
        await page.get_by_role("button", name="Refresh").click()
        return await button.is_visible()

    assert await wait_for(listed, 20), "the dead letter never showed"
    await expect(page.locator("#dead-letters")).to_contain_text("names unknown pupil 'late'")
    assert await horizontal_overflow(page) == 0
    await expect(button).to_be_visible()
    inside = (
        "b => { const r = b.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth }"
    )
    assert await button.evaluate(inside), "the Re-drive button is beyond the screen's edge"
    await _redrive(page, console, button)
