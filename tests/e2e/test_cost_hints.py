"""The page's cost hints are what a real SMS of each type would cost: the same renderer."""

from __future__ import annotations

from notifier.sms.grade_bundle import grade_bundle
from notifier.sms.grade_texts import GradeFacts
from tests.e2e.api_support import Api

pytest_plugins = ("tests.e2e.api_fixtures",)


async def test_each_type_is_priced_from_a_message_rendered_like_the_real_one(api: Api) -> None:
    r = await api.call("GET", "/api/v1/children/p-bek/cost-hints?language=kk")
    assert r.status == 200, await r.text()
    hints = {h["type"]: h for h in (await r.json())["items"]}

    assert set(hints) == {"homework", "announcements", "grade_instant"}
    today = api.clock.now().date()
    marks = [GradeFacts("Математика", "lesson", None, m, None, None, today) for m in (5, 4)]
    assert hints["grade_instant"]["sample"] == "Бек: Математика 5, 4"  # one SMS, two marks
    assert hints["grade_instant"]["sample"] == grade_bundle(
        "kk", "Бек", marks, latin=False, max_parts=2
    )
    assert hints["homework"]["sample"].startswith("Бек: Математика бойынша үй тапсырмасы")
    assert hints["announcements"]["sample"].startswith("Ата-аналар жиналысы.")
    for hint in hints.values():  # no wallet yet: priced in the phone's (or KZT) tariff
        assert (hint["currency"], hint["price"]) == ("KZT", hint["parts"] * 20_00)


async def test_hints_for_a_child_not_linked_to_the_parent_are_404(api: Api) -> None:
    r = await api.call("GET", "/api/v1/children/p-nur/cost-hints?language=ru")
    assert r.status == 404
    bad = await api.call("GET", "/api/v1/children/p-aida/cost-hints?language=en")
    assert bad.status == 422
