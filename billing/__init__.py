"""Prepaid SMS billing: a double-entry, append-only ledger with holds, and tariffs."""
