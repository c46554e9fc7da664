"""Bulk onboarding of a country: subscriptions and opening balances from the previous system.

Files (CLI) and NDJSON streams (internal API) go through the same use case (`run.py`): rows
are checked by pure functions (`rows.py`), copied per batch into a staging table and applied
with a few set-based statements (`subscriptions.py`, `balances.py`), one database transaction
per batch that also records the batch as done (`import_batches`), so a rerun after a kill
skips what was committed and changes nothing else.
"""
