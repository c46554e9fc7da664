"""Signed, expiring one-click unsubscribe links (no sign-in needed to use them).

A token is `payload.signature`, both base64url without padding: the payload names the parent,
the pupil, the notification type ("all" for everything) and the expiry (Unix seconds); the
signature is HMAC-SHA256 over the payload with LINK_SIGNING_SECRET, cut to 128 bits to keep
links short (they may travel in an SMS, where every character costs).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from notifier.manager.errors import InvalidLink, NotConfigured
from notifier.settings import Settings

EVERY_CHILD = "*"  # as a link's pupil: every subscription of the parent
_SEPARATOR = "\x1f"  # unit separator: cannot occur in ids or type names
_SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class UnsubscribeClaim:
    parent_id: str
    pupil_id: str  # or EVERY_CHILD
    type: str  # a notification type, or "all"
    expires_at: datetime


def sign_unsubscribe(secret: str, claim: UnsubscribeClaim) -> str:
    fields = [claim.parent_id, claim.pupil_id, claim.type, str(int(claim.expires_at.timestamp()))]
    payload = _b64(_SEPARATOR.join(fields).encode())
    return f"{payload}.{_b64(_signature(secret, payload))}"


def read_unsubscribe(secret: str, token: str, now: datetime) -> UnsubscribeClaim:
    """The claim of an authentic token; InvalidLink("invalid" | "expired") otherwise."""
    payload, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
        fields = _unb64(payload).decode().split(_SEPARATOR)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidLink("invalid") from exc
    if not hmac.compare_digest(given, _signature(secret, payload)) or len(fields) != 4:
        raise InvalidLink("invalid")
    parent_id, pupil_id, kind, expiry = fields
    if not expiry.isdigit():
        raise InvalidLink("invalid")
    claim = UnsubscribeClaim(parent_id, pupil_id, kind, datetime.fromtimestamp(int(expiry), UTC))
    if claim.expires_at <= now:
        raise InvalidLink("expired")
    return claim


def unsubscribe_link(
    settings: Settings,
    parent_id: str,
    pupil_id: str,
    type: str,
    *,
    now: datetime | None = None,
) -> str:
    """`{PUBLIC_BASE_URL}/unsubscribe?token=...`, valid for UNSUBSCRIBE_LINK_TTL_DAYS."""
    issued = now or datetime.now(UTC)
    expires = issued + timedelta(days=settings.unsubscribe_link_ttl_days)
    claim = UnsubscribeClaim(parent_id, pupil_id, type, expires)
    token = sign_unsubscribe(link_secret(settings), claim)
    return f"{settings.public_base_url.rstrip('/')}/unsubscribe?token={quote(token)}"


def link_secret(settings: Settings) -> str:
    if settings.link_signing_secret is None:
        raise NotConfigured("LINK_SIGNING_SECRET is not set")
    return settings.link_signing_secret.get_secret_value()


def _signature(secret: str, payload: str) -> bytes:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return digest[:_SIGNATURE_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
