"""Matching gateway items against the ledger: every seeded mismatch is found, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from billing.reconciliation import Item, reconcile, within
from billing.reconciliation.gateways import gateway_items
from gateways.payments import GatewayTransaction

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def item(kind: str, key: str, amount: int, currency: str = "KZT", **over: object) -> Item:
    fields: dict[str, object] = {"gateway": "stripe", "at": T0} | over
    return Item(kind=kind, key=key, amount=amount, currency=currency, **fields)  # type: ignore[arg-type]


LEDGER = [
    item("payment", "pi_ok", 500_00, transaction_id=1),
    item("payment", "pi_amount", 500_00, transaction_id=2),
    item("payment", "pi_currency", 500_00, transaction_id=3),
    item("payment", "pi_only_ledger", 100_00, transaction_id=4),
    item("refund", "re_ok", 200_00, transaction_id=5),
    item("dispute", "dp_ok", 300_00, transaction_id=6),
    item("payment", "pi_ok", 700_00, gateway="paybox", transaction_id=7),
]
GATEWAY = [
    item("payment", "pi_ok", 500_00),
    item("payment", "pi_amount", 499_00),
    item("payment", "pi_currency", 500_00, "KGS"),
    item("payment", "pi_only_gateway", 900_00),
    item("refund", "re_ok", 200_00),
    item("refund", "re_missing", 50_00),
    item("dispute", "dp_ok", 300_00),
    item("payment", "pi_ok", 700_00, gateway="paybox"),
]


def test_every_kind_of_seeded_mismatch_is_found_and_matched_items_are_not_flagged() -> None:
    found = {(f.gateway, f.kind, f.key): f.finding for f in reconcile(LEDGER, GATEWAY)}
    assert found == {
        ("stripe", "payment", "pi_ok"): "matched",
        ("stripe", "payment", "pi_amount"): "amount_mismatch",
        ("stripe", "payment", "pi_currency"): "currency_mismatch",
        ("stripe", "payment", "pi_only_ledger"): "missing_at_gateway",
        ("stripe", "payment", "pi_only_gateway"): "missing_in_ledger",
        ("stripe", "refund", "re_ok"): "matched",
        ("stripe", "refund", "re_missing"): "missing_in_ledger",
        ("stripe", "dispute", "dp_ok"): "matched",
        ("paybox", "payment", "pi_ok"): "matched",
    }


def test_a_finding_carries_both_sides_amounts_and_the_ledger_transaction() -> None:
    (finding,) = [f for f in reconcile(LEDGER, GATEWAY) if f.key == "pi_amount"]
    assert (finding.ledger_amount, finding.gateway_amount) == (500_00, 499_00)
    assert finding.transaction_ids == (2,)
    assert finding.mismatch


def test_the_same_id_at_two_gateways_is_two_different_items() -> None:
    findings = reconcile([item("payment", "1", 10_00)], [item("payment", "1", 10_00, gateway="b")])
    assert sorted(f.finding for f in findings) == ["missing_at_gateway", "missing_in_ledger"]


def test_a_payment_and_a_refund_with_the_same_id_are_not_confused() -> None:
    findings = reconcile([item("payment", "x", 10_00)], [item("refund", "x", 10_00)])
    assert {f.kind: f.finding for f in findings} == {
        "payment": "missing_at_gateway",
        "refund": "missing_in_ledger",
    }


def test_a_gateway_listing_an_item_twice_still_matches_once() -> None:
    findings = reconcile([item("payment", "pi", 10_00)], [item("payment", "pi", 10_00)] * 2)
    assert [f.finding for f in findings] == ["matched"]


def test_an_item_belongs_to_the_period_in_which_the_gateway_saw_it() -> None:
    late = T0 + timedelta(days=1, minutes=1)  # recorded in the ledger after midnight
    findings = reconcile([item("payment", "pi", 10_00, at=late)], [item("payment", "pi", 10_00)])
    assert [f.key for f in within(findings, T0, T0 + timedelta(days=1))] == ["pi"]
    assert within(findings, T0 + timedelta(days=1), T0 + timedelta(days=2)) == []


def test_a_dispute_lost_then_won_nets_to_zero_and_needs_no_counterpart() -> None:
    won_back = [item("dispute", "dp", 300_00), item("dispute", "dp", -300_00)]
    assert [f.finding for f in reconcile(won_back, won_back)] == ["matched"]
    assert [f.finding for f in reconcile(won_back, [])] == ["matched"]
    assert [f.finding for f in reconcile(won_back, won_back[:1])] == ["amount_mismatch"]


def test_nothing_on_either_side_finds_nothing() -> None:
    assert reconcile([], []) == []


items = st.builds(
    Item,
    gateway=st.sampled_from(["stripe", "paybox"]),
    kind=st.sampled_from(["payment", "refund", "dispute"]),
    key=st.sampled_from(["a", "b", "c", "d"]),
    amount=st.integers(1, 10_000),
    currency=st.sampled_from(["KZT", "KGS"]),
    at=st.sampled_from([T0, T0 + timedelta(hours=5)]),
    transaction_id=st.none() | st.integers(1, 50),
)


@given(
    ledger=st.lists(items, max_size=12),
    gateway=st.lists(items, max_size=12),
    data=st.data(),
)
def test_shuffling_the_inputs_never_changes_the_findings(
    ledger: list[Item], gateway: list[Item], data: st.DataObject
) -> None:
    shuffled_ledger = data.draw(st.permutations(ledger))
    shuffled_gateway = data.draw(st.permutations(gateway))
    assert reconcile(shuffled_ledger, shuffled_gateway) == reconcile(ledger, gateway)


@given(ledger=st.lists(items, max_size=12, unique_by=lambda i: (i.gateway, i.kind, i.key)))
def test_a_ledger_reconciled_against_itself_is_all_matched(ledger: list[Item]) -> None:
    gateway_view = [Item(i.gateway, i.kind, i.key, i.amount, i.currency, i.at) for i in ledger]
    assert all(f.finding == "matched" for f in reconcile(ledger, gateway_view))


class Listed:
    def __init__(self, *listed: GatewayTransaction) -> None:
        self.listed = listed

    async def list_transactions(
        self, since: datetime, until: datetime
    ) -> Sequence[GatewayTransaction]:
        return self.listed


async def test_a_refund_that_failed_at_the_gateway_but_debited_the_wallet_is_a_mismatch() -> None:
    # Stripe lists the refund, then its failure (money back, same refund id); the ledger
    # still holds the refund that took the parent's money.
    ledger = [item("refund", "re_failed", 200_00, transaction_id=9)]
    listed = [
        GatewayTransaction("refund", "pi_1", "re_failed", 200_00, "KZT", T0),
        GatewayTransaction("refund", "pi_1", "re_failed", -200_00, "KZT", T0 + timedelta(days=1)),
    ]
    at_gateway = await gateway_items({"stripe": Listed(*listed)}, T0, T0 + timedelta(days=2))
    [finding] = reconcile(ledger, at_gateway)
    assert (finding.finding, finding.ledger_amount, finding.gateway_amount) == (
        "amount_mismatch",
        200_00,
        0,
    )
