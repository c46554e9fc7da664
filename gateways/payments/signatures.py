"""Comparing a signature a caller sent with the one we computed, for every gateway."""

from __future__ import annotations

import hmac


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison. Our signatures are hex or base64, so a given value with any
    non-ASCII character never matches (hmac.compare_digest would raise TypeError on it, and
    an unauthenticated caller must not be able to turn that into a 500)."""
    return given.isascii() and hmac.compare_digest(expected, given)
