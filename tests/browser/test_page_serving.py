"""How /manager is served: locked down, never cached itself, its assets cached for good."""

from __future__ import annotations

import re

import aiohttp

from tests.browser.conftest import Manager, NewPage


async def test_the_page_is_locked_down_and_never_cached(manager: Manager) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{manager.base_url}/manager") as r:
        assert r.status == 200
        assert r.content_type == "text/html"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        page = await r.text()
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing loads from elsewhere


async def test_assets_are_cached_for_good_under_their_content_version(manager: Manager) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{manager.base_url}/manager") as r:
            script = re.search(r'src="(/manager/static/[0-9a-f]{12}/manager\.js)"', await r.text())
        assert script is not None
        async with http.get(manager.base_url + script.group(1)) as r:
            assert r.status == 200
            assert r.content_type == "text/javascript"
            assert "immutable" in r.headers["Cache-Control"]
        async with http.get(f"{manager.base_url}/manager/static/000000000000/i18n.js") as r:
            assert r.status == 200
            assert r.headers["Cache-Control"] == "no-cache"  # an old page gets today's file
        for name in ("__init__.py", "..%2F__init__.py", "manager.html"):
            async with http.get(f"{manager.base_url}/manager/static/v/{name}") as r:
                assert r.status == 404, name


async def test_the_service_address_opens_the_parents_page(
    manager: Manager, browser: NewPage
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{manager.base_url}/", allow_redirects=False) as r,
    ):
        assert (r.status, r.headers["Location"]) == (302, "/manager")
    page = await browser()
    response = await page.goto(f"{manager.base_url}/")
    assert response is not None
    assert response.ok
    assert page.url == f"{manager.base_url}/manager"
    assert response.headers["content-type"].startswith("text/html")
