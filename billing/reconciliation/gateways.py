"""The gateway side: what each configured payment gateway lists for a period, as `Item`s."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from billing.reconciliation.matching import Item
from gateways.payments import GatewayTransaction


class ListsTransactions(Protocol):
    """The part of `gateways.payments.PaymentGateway` reconciliation uses."""

    async def list_transactions(
        self, since: datetime, until: datetime
    ) -> Sequence[GatewayTransaction]: ...


async def gateway_items(
    gateways: Mapping[str, ListsTransactions], since: datetime, until: datetime
) -> list[Item]:
    """Every gateway's transactions in [since, until), listed concurrently."""
    names = list(gateways)
    listed = await asyncio.gather(*(gateways[n].list_transactions(since, until) for n in names))
    return [_item(name, tx) for name, txs in zip(names, listed, strict=True) for tx in txs]


def _item(gateway: str, tx: GatewayTransaction) -> Item:
    # A payment is known by the gateway's payment id (as in the ledger's top_up reference);
    # refunds and disputes by their own id. Amounts are what the item moved, negative for
    # money that came back: a refund that failed nets its refund to zero, so a ledger that
    # still holds the refund shows an amount_mismatch (the wallet stays debited until
    # finance credits it back).
    if tx.kind == "payment":
        return Item(gateway, "payment", tx.gateway_payment_id, abs(tx.amount), tx.currency,
                    tx.occurred_at)  # fmt: skip
    return Item(gateway, tx.kind, tx.reference, tx.amount, tx.currency, tx.occurred_at)
