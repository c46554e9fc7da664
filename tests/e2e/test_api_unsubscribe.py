"""One-click unsubscribe from a signed link, without signing in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import asyncpg

from notifier.manager.links import unsubscribe_link
from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)

SUB = "/api/v1/children/p-aida/subscription"


def _path(api: Api, kind: str, pupil: str = "p-aida", parent: str = "par-1") -> str:
    link = urlsplit(unsubscribe_link(api.settings, parent, pupil, kind, now=api.clock.now()))
    assert link.netloc == "notify.example.kz"
    return f"{link.path}?{link.query}"


async def test_opening_the_link_only_asks_for_confirmation(api: Api) -> None:
    await api.subscribe(types=["homework", "weekly_grades"], language="kk")
    r = await api.client.get(_path(api, "homework"))
    assert r.status == 200
    page = await r.text()
    assert '<html lang="kk">' in page
    assert "Енді SMS жібермеу керек пе: үй тапсырмалары?" in page
    assert '<form method="post">' in page
    assert r.headers["Referrer-Policy"] == "no-referrer"
    still = await (await api.call("GET", SUB)).json()
    assert still["types"] == ["homework", "weekly_grades"]  # GET changed nothing


async def test_one_click_removes_that_type_and_records_the_consent_change(api: Api) -> None:
    await api.subscribe(types=["homework", "weekly_grades"])
    body = "List-Unsubscribe=One-Click"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    r = await api.client.post(_path(api, "homework"), data=body, headers=headers)
    assert r.status == 200
    assert "Готово: SMS (домашние задания) больше не придут." in await r.text()
    now = await (await api.call("GET", SUB)).json()
    assert (now["types"], now["active"]) == (["weekly_grades"], True)
    conn = await asyncpg.connect(api.settings.database_url)
    try:
        last = await conn.fetchrow("SELECT * FROM consent_records ORDER BY id DESC LIMIT 1")
    finally:
        await conn.close()
    assert (last["action"], last["actor"], last["types"]) == (
        "one-click-unsubscribe",
        "unsubscribe-link",
        ["weekly_grades"],
    )


async def test_unsubscribing_from_all_twice_is_safe(api: Api) -> None:
    await api.subscribe(types=["homework", "announcements"])
    for _ in range(2):
        assert (await api.client.post(_path(api, "all"))).status == 200
    now = await (await api.call("GET", SUB)).json()
    assert (now["types"], now["active"]) == ([], False)


async def test_a_link_for_a_child_never_subscribed_just_says_done(api: Api) -> None:
    r = await api.client.post(_path(api, "all", pupil="p-bek"))
    assert r.status == 200


async def test_an_expired_link_explains_itself_and_changes_nothing(api: Api) -> None:
    await api.subscribe()
    path = _path(api, "all")
    api.clock.advance(timedelta(days=api.settings.unsubscribe_link_ttl_days, seconds=1))
    r = await api.client.post(path)
    assert r.status == 400
    page = await r.text()
    assert "Срок действия этой ссылки истёк." in page
    assert "Бұл сілтеменің мерзімі өтіп кетті." in page  # the language may be unknown: all three
    assert (await (await api.call("GET", SUB)).json())["active"] is True


async def test_a_tampered_link_is_refused(api: Api) -> None:
    await api.subscribe()
    path = _path(api, "all")
    token = path.split("token=")[1]
    forged = _path(api, "all", pupil="p-nur", parent="par-2").split("token=")[1]
    mixed = forged.split(".")[0] + "." + token.split(".")[1]
    for bad in (f"/unsubscribe?token={mixed}", "/unsubscribe?token=abc", "/unsubscribe"):
        r = await api.client.post(bad)
        assert r.status == 400
        assert "Эта ссылка повреждена." in await r.text()
    assert (await (await api.call("GET", SUB)).json())["active"] is True


async def test_a_link_for_an_unknown_type_is_refused(api: Api) -> None:
    r = await api.client.get(_path(api, "sports"))
    assert r.status == 400
