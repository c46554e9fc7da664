"""Why an SMS waits, and until when, or why it did not arrive, as the parent reads it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from notifier.manager.message_reasons import Facts, reason

# 06.12 21:30 in Almaty (UTC+5): after the school's window closed.
NOW = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)
MORNING = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 07.12 09:00 in Almaty
GRACE = timedelta(minutes=10)
QUEUED = Facts("queued", None, "homework", NOW, MORNING, 0, False, "Asia/Almaty")


def _say(facts: Facts, language: str = "ru") -> str | None:
    said = reason(facts, now=NOW, grace=GRACE, language=language)  # type: ignore[arg-type]
    return said.text if said else None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ru", "Ждёт времени отправки школы: оно начнётся в 07.12 09:00"),
        ("kk", "Мектептің жіберу уақытын күтуде: 07.12 09:00 басталады"),
        ("ky", "Мектептин жөнөтүү убактысын күтүүдө: 07.12 09:00 башталат"),
    ],
)
def test_an_sms_held_for_the_window_says_when_it_opens(language: str, text: str) -> None:
    assert _say(QUEUED, language) == text
    said = reason(QUEUED, now=NOW, grace=GRACE, language="ru")
    assert said is not None
    assert (said.code, said.until) == ("window", MORNING)


def test_the_same_day_shows_only_the_time_in_the_pupils_zone() -> None:
    early = NOW.replace(hour=2, minute=0)  # 07:00 in Almaty
    facts = replace(QUEUED, created_at=early, next_attempt_at=NOW.replace(hour=4, minute=0))
    said = reason(facts, now=early, grace=GRACE, language="ru")
    assert said is not None
    assert said.text.endswith("начнётся в 09:00")
    bishkek = reason(replace(facts, time_zone="Asia/Bishkek"), now=early, grace=GRACE,
                     language="ru")  # fmt: skip
    assert bishkek is not None
    assert bishkek.text.endswith("в 10:00")  # UTC+6: the same instant is 10:00 there


def test_a_grade_alert_in_its_grace_period_says_a_correction_would_replace_it() -> None:
    soon = NOW + timedelta(minutes=8)
    facts = replace(QUEUED, kind="grade_instant", created_at=NOW - timedelta(minutes=2),
                    next_attempt_at=soon)  # fmt: skip
    assert _say(facts) == "Отправится в 21:38: если оценку исправят, придёт уже исправленная"


def test_a_retry_and_a_lost_answer_are_told_apart() -> None:
    retry = replace(QUEUED, attempts=1, next_attempt_at=NOW + timedelta(minutes=5))
    assert _say(retry, "kk") == "Оператор SMS-ті әзірге қабылдамады, 21:35 қайталаймыз"
    assert _say(replace(retry, in_doubt=True)) == "Уточняем у оператора, ушло ли SMS"
    assert _say(replace(QUEUED, next_attempt_at=NOW)) == "Отправляется сейчас"


@pytest.mark.parametrize(
    ("status", "delivery", "text"),
    [
        ("skipped_insufficient_funds", None,
         "Не отправлено: на балансе не хватило денег. Деньги не списаны"),
        ("failed", None, "Не отправлено: операторы не приняли SMS. Деньги не списаны"),
        ("cancelled", None,
         "Не отправлено: оценку изменили или удалили раньше. Деньги не списаны"),
        ("sent", "undeliverable", "Не доставлено: телефон был выключен или вне сети"),
        ("sent", "expired", "Не доставлено: оператор не успел доставить SMS вовремя"),
        ("sent", "failed", "Не доставлено: оператор отклонил SMS"),
        ("sent", "delivered", None),
        ("sent", None, None),
    ],
)  # fmt: skip
def test_why_an_sms_did_not_arrive(status: str, delivery: str | None, text: str | None) -> None:
    assert _say(replace(QUEUED, status=status, delivery_status=delivery)) == text


def test_kyrgyz_failure_texts() -> None:
    facts = replace(QUEUED, status="sent", delivery_status="undeliverable")
    assert _say(facts, "ky") == "Жеткирилген жок: телефон өчүк же тармактан тышкары болчу"
