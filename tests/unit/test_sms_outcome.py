"""README "What happened to an SMS": the outbox row and the ledger, read as one status model."""

from __future__ import annotations

import pytest

from notifier.outbox.outcome import money, outcome


@pytest.mark.parametrize(
    ("status", "report", "refunded", "expected"),
    [
        ("queued", None, False, ("queued", "held")),
        ("sending", None, False, ("queued", "held")),
        ("sent", None, False, ("submitted", "charged")),
        ("sent", "delivered", False, ("delivered", "charged")),
        ("sent", "undeliverable", True, ("undeliverable", "refunded")),
        ("sent", "expired", True, ("expired", "refunded")),
        ("sent", "failed", False, ("failed", "charged")),  # UNDELIVERABLE_POLICY=keep
        ("failed", None, False, ("failed", "released")),
        ("cancelled", None, False, ("cancelled", "released")),
    ],
)
def test_a_parent_paid_sms_says_what_became_of_it_and_of_its_money(
    status: str, report: str | None, refunded: bool, expected: tuple[str, str]
) -> None:
    assert (outcome(status, report), money(status, held=True, refunded=refunded)) == expected


def test_a_sent_sms_refunded_after_its_report_is_never_just_sent_and_charged() -> None:
    assert outcome("sent", "undeliverable") != "submitted"
    assert money("sent", held=True, refunded=True) == "refunded"


def test_sms_without_a_hold_cost_the_parent_nothing() -> None:
    assert money("skipped_insufficient_funds", held=False, refunded=False) == "not_charged"
    assert outcome("skipped_insufficient_funds", None) == "skipped_insufficient_funds"
    assert money("sent", held=False, refunded=False) == "paid_by_house"  # a verification code


def test_an_unknown_row_status_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="unknown SMS status"):
        outcome("lost", None)
