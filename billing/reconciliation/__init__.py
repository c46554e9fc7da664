"""Reconciliation: every payment, refund and dispute a gateway reports, matched against the
ledger, so finance can show where each tenge and som went.

`reconcile` (matching.py) is a pure function over two lists of `Item`s; `run_reconciliation`
(runs.py) fetches both sides for a period and stores the run with its findings (store.py).
"""

from billing.reconciliation.matching import Finding, FindingKind, Item, ItemKind, reconcile, within
from billing.reconciliation.runs import run_reconciliation
from billing.reconciliation.store import RunSummary, load_run

__all__ = [
    "Finding",
    "FindingKind",
    "Item",
    "ItemKind",
    "RunSummary",
    "load_run",
    "reconcile",
    "run_reconciliation",
    "within",
]
