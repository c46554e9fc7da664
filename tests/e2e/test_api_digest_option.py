"""The parent sees what a weekly digest costs, Cyrillic and Latin side by side, and opts in."""

from __future__ import annotations

from tests.e2e.api_support import KG_PHONE, Api

pytest_plugins = ("tests.e2e.api_fixtures",)


async def test_the_digest_price_comes_from_the_builder_in_both_scripts(api: Api) -> None:
    await api.subscribe("p-nur", "par-2", phone=KG_PHONE, language="ky", types=["homework"])
    r = await api.call("POST", "/api/v1/digest-preview", "par-2",
                       json={"pupil_id": "p-nur", "language": "ky"})  # fmt: skip
    assert r.status == 200, await r.text()
    preview = await r.json()
    cyrillic, latin = preview["cyrillic"], preview["latin"]
    assert cyrillic["text"].startswith("Нур, 23-29.11 баалары: Матем. 5 4 5 4 (орт. 4,5);")
    assert latin["text"].startswith("Nur, 23-29.11 baalary: Matematika 5 4 5 4 (ort. 4,5);")
    costs = [(o["cost"]["encoding"], o["cost"]["parts"], o["cost"]["price_display"])
             for o in (cyrillic, latin)]  # fmt: skip
    assert costs == [("UCS-2", 3, "9.00 KGS"), ("GSM-7", 2, "6.00 KGS")]


async def test_another_parents_child_is_not_found(api: Api) -> None:
    r = await api.call("POST", "/api/v1/digest-preview", "par-1",
                       json={"pupil_id": "p-nur", "language": "ru"})  # fmt: skip
    assert r.status == 404


async def test_the_latin_option_is_saved_with_the_subscription(api: Api) -> None:
    saved = await api.subscribe("p-nur", "par-2", phone=KG_PHONE, language="ky",
                                types=["weekly_grades"], latin=True)  # fmt: skip
    assert saved["latin"] is True
    r = await api.call("GET", "/api/v1/children/p-nur/subscription", "par-2")
    assert (await r.json())["latin"] is True
    again = await api.subscribe("p-nur", "par-2", phone=KG_PHONE, language="ky",
                                types=["weekly_grades"])  # fmt: skip
    assert again["latin"] is False
