"""The checks of an import row, without a database: what a bad row is told, and that the
phone is normalised as the API does it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.onboarding.progress import describe
from notifier.onboarding.rows import BalanceRow, Reject, SubscriptionRow, check_batch, check_rows

GOOD = {"parent_id": "p", "pupil_id": "u", "phone": "8 (701) 123-45-67", "types": "homework",
        "language": "kk", "consent_source": "paper",
        "consent_at": "2024-09-01T10:00:00+05:00"}  # fmt: skip


def _one(kind: str, record: dict[str, object]) -> SubscriptionRow | BalanceRow | Reject:
    return check_rows(kind, [(2, record)])[0]  # type: ignore[arg-type]


def test_a_good_subscription_row_is_normalised_and_unverified_unless_the_file_says_so() -> None:
    row = _one("subscriptions", GOOD)
    assert isinstance(row, SubscriptionRow)
    assert (row.phone, row.types, row.latin, row.verified) == (
        "+77011234567", ["homework"], False, False,
    )  # fmt: skip
    assert row.consent_at == datetime(2024, 9, 1, 5, tzinfo=UTC)
    verified = _one("subscriptions", GOOD | {"phone_verified_by_core": True})
    assert isinstance(verified, SubscriptionRow)
    assert verified.verified


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"phone": "+7 495 123 45 67"}, "phone: This is not a Kazakhstan or Kyrgyzstan"),
        ({"types": "homework sms"}, "types: sms"),
        ({"language": "en"}, "language: 'en' is not one of kk, ky, ru"),
        ({"consent_at": "2024-09-01 10:00"}, "consent_at: needs its UTC offset"),
        ({"consent_source": ""}, "consent_source: missing"),
        ({"phone_verified_by_core": "maybe"}, "phone_verified_by_core: 'maybe' is not true"),
        ({"pupil_id": "u\x00"}, "pupil_id: contains a NUL character"),
    ],
)
def test_a_bad_subscription_row_says_which_column_and_why(
    change: dict[str, str], reason: str
) -> None:
    rejected = _one("subscriptions", GOOD | change)
    assert isinstance(rejected, Reject)
    assert rejected.row == 2
    assert rejected.reason.startswith(reason)


@pytest.mark.parametrize("amount", ["-5", "5.00", "1 000", "", "١٢"])
def test_an_amount_is_whole_minor_units(amount: str) -> None:
    record = {"parent_id": "p", "currency": "KZT", "amount": amount, "reference": "r"}
    assert isinstance(_one("balances", record), Reject)


def test_a_key_repeated_in_a_batch_is_refused_after_its_first_row() -> None:
    records = [(n, {"parent_id": "p", "currency": "KZT", "amount": "1", "reference": "r"})
               for n in (2, 3)]  # fmt: skip
    good, rejects = check_batch("balances", records, check_rows("balances", records))
    assert [r.row for r in good] == [2]
    assert [(r.row, r.reason) for r in rejects] == [(3, "repeats the reference of line 2")]


def test_progress_shows_rate_and_time_left() -> None:
    assert describe(800_000, 1_600_000, 100.0) == (
        "[###############---------------]  50%  800,000/1,600,000 rows  8,000 rows/s  ETA 1m40s"
    )
