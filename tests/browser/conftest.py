"""The /manager page in a real headless Chromium, against create_app on a real loopback port.

Chromium is the system one from Debian's packages (`bash scripts/install-browser.sh`), driven
by Playwright; nothing is downloaded. Where it is missing these tests skip and say why.

Roster: parent "par-web" has one child, Айгерим, in 5А at a Kazakhstan school.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestServer, unused_port
from playwright.async_api import BrowserContext, Page, ViewportSize, async_playwright
from pydantic import SecretStr

from notifier.app import create_app
from notifier.http.auth import mint_token
from notifier.settings import Settings
from tests.support import received_sms, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_SCREEN: ViewportSize = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PARENT = "par-web"
CHILD = "Айгерим"

ROSTER = """
INSERT INTO schools (id, name, country) VALUES ('sch-web', 'Школа-гимназия №1', 'KZ');
INSERT INTO classes (id, school_id, name) VALUES ('c-web', 'sch-web', '5А');
INSERT INTO pupils (id, school_id, class_id, first_name, locale, time_zone, as_of)
    VALUES ('p-web', 'sch-web', 'c-web', 'Айгерим', 'ru', 'Asia/Almaty', now());
INSERT INTO parent_links (parent_id, pupil_id, linked_at) VALUES ('par-web', 'p-web', now());
"""

NewPage = Callable[..., Awaitable[Page]]


@dataclass
class Manager:
    """The running service, as the e-diary and the parent's handset see it."""

    base_url: str
    settings: Settings

    def token(
        self, parent: str = PARENT, *, ttl_seconds: int = 3600, now: int | None = None
    ) -> str:
        return mint_token(self.settings, parent, "parent", ttl_seconds=ttl_seconds, now=now)

    def opened_from_diary(self, token: str) -> str:
        """The address the e-diary opens: the token rides in the fragment."""
        return f"{self.base_url}/manager#token={token}"

    async def code_sent_to(self, phone: str) -> str:
        """The newest verification code the dev SMS outbox delivered to `phone`."""
        codes: list[str] = []

        async def arrived() -> bool:
            codes[:] = [
                found.group(1)
                for sms in received_sms(self.settings.sms_dev_outbox)
                if sms["to"] == phone and (found := re.search(r"\b(\d{6})\b", sms["text"]))
            ]
            return bool(codes)

        assert await wait_for(arrived, timeout=15), f"no code SMS reached {phone}"
        return codes[-1]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `bash scripts/install-browser.sh` (as root)")
    return CHROMIUM


@pytest.fixture
async def manager(settings: Settings) -> AsyncIterator[Manager]:
    port = unused_port()  # payment pages return here, so the URL is known before start
    base_url = f"http://127.0.0.1:{port}"
    configured = settings.model_copy(
        update={
            "jwt_hs256_secret": SecretStr(secrets.token_urlsafe(32)),
            "link_signing_secret": SecretStr(secrets.token_urlsafe(32)),
            "dev_payments_secret": SecretStr(secrets.token_urlsafe(32)),
            "payment_gateway": "dev",
            "public_base_url": base_url,
        }
    )
    conn = await asyncpg.connect(configured.database_url)
    try:
        await conn.execute(ROSTER)
    finally:
        await conn.close()
    app = create_app(configured, consume=False, schedule=False)
    async with TestServer(app, host="127.0.0.1", port=port):
        yield Manager(base_url, configured)


@pytest.fixture
async def browser(chromium: Path, tmp_path: Path) -> AsyncIterator[NewPage]:
    """Opens a page (phone-sized unless `viewport` says otherwise) in a fresh Chromium profile;
    `locale` sets navigator.language.
    Fails the test on any uncaught script error or Content-Security-Policy violation."""
    problems: list[str] = []
    async with async_playwright() as playwright:
        contexts: list[BrowserContext] = []

        async def new_page(locale: str = "ru-RU", viewport: ViewportSize = PHONE_SCREEN) -> Page:
            context = await playwright.chromium.launch_persistent_context(
                tmp_path / f"profile-{len(contexts)}",
                executable_path=str(chromium),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport=viewport,
                locale=locale,
            )
            contexts.append(context)
            page = context.pages[0] if context.pages else await context.new_page()
            page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            page.on(
                "console",
                lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
            )
            return page

        yield new_page
        for context in contexts:
            await context.close()
    assert not problems, problems


@pytest.fixture
def artifacts() -> Path:
    """Screenshots land in test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
